import { hashApiKey, type ApiKeyConsumer } from '@app/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import { matchApiKey } from './match-api-key.js';

// Only watched, never replaced: the count of comparisons is what shows that a match does not end the loop early.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function consumer(name: string, key: string): ApiKeyConsumer {
  return { name, keyHash: sha256(key), roles: [], tier: 'partner' };
}

const acme = consumer('partner-acme', 'acme-key-0123456789');
const globex = consumer('partner-globex', 'globex-key-0123456789');
const initech = consumer('partner-initech', 'initech-key-0123456789');

describe(matchApiKey.name, () => {
  beforeEach(() => {
    vi.mocked(timingSafeEqual).mockClear();
  });

  it('finds the consumer whose key hashes to a configured hash', () => {
    expect(matchApiKey('acme-key-0123456789', [acme, globex])).toBe(acme);
    expect(matchApiKey('globex-key-0123456789', [acme, globex])).toBe(globex);
  });

  it('hashes a key the way hashApiKey does, so hashes made by a script match', () => {
    const scripted = Buffer.from(hashApiKey('acme-key-0123456789').slice('sha256:'.length), 'hex');

    expect(matchApiKey('acme-key-0123456789', [{ ...acme, keyHash: scripted }])).toMatchObject({
      name: 'partner-acme',
    });
  });

  it('finds nobody for an unknown key, a key one character off, or an empty key', () => {
    expect(matchApiKey('acme-key-012345678', [acme, globex])).toBeUndefined();
    expect(matchApiKey('acme-key-0123456789x', [acme, globex])).toBeUndefined();
    expect(matchApiKey('', [acme, globex])).toBeUndefined();
  });

  it('finds nobody when no consumer is configured', () => {
    expect(matchApiKey('acme-key-0123456789', [])).toBeUndefined();
  });

  it('compares the key with every configured hash even when the first one matches', () => {
    expect(matchApiKey('acme-key-0123456789', [acme, globex, initech])).toBe(acme);
    expect(timingSafeEqual).toHaveBeenCalledTimes(3);
  });

  it('accepts a key of 256 characters and refuses a longer one without comparing it', () => {
    const longest = consumer('longest', 'k'.repeat(256));
    const tooLong = consumer('too-long', 'k'.repeat(257));

    expect(matchApiKey('k'.repeat(256), [longest, tooLong])).toBe(longest);
    vi.mocked(timingSafeEqual).mockClear();
    expect(matchApiKey('k'.repeat(257), [longest, tooLong])).toBeUndefined();
    expect(timingSafeEqual).not.toHaveBeenCalled();
  });
});
