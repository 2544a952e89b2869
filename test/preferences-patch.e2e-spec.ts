import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { FakeUpstream, type FakeBehaviour } from './support/fake-upstream.js';
import { demoPreferences } from '../apps/demo-services/src/demo-data.js';
import { expectProblem } from './support/problem.js';
import { rawExchange } from './support/raw-http.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer, mintToken } from './support/tokens.js';

/*
 * The gateway checks a change's shape; the preference service, which owns
 * the data, has the last word on its values. A language tag the gateway's
 * looser rule lets through is one the demo service refuses.
 */
const REFUSED_BY_THE_SERVICE = { language: 'xx-YY-ZZZZ' };

/**
 * A fake preference service whose users all start light: a PATCH makes its
 * user dark at once and is answered as `answerChange` says; a read sees the
 * theme as it is when the read arrives and answers `readDelayMs` later.
 */
async function themeService(
  answerChange: (userId: string, changed: Record<string, unknown>) => FakeBehaviour,
  readDelayMs?: number,
): Promise<FakeUpstream> {
  const themes = new Map<string, string>();
  const service = await FakeUpstream.start();
  service.respond((request) => {
    const userId = decodeURIComponent((request.url ?? '').replace(/^\/preferences\//, ''));
    if (request.method === 'PATCH') {
      themes.set(userId, 'dark');
      return answerChange(userId, { ...demoPreferences(userId), theme: 'dark' });
    }
    return {
      kind: 'json',
      body: { ...demoPreferences(userId), theme: themes.get(userId) ?? 'light' },
      delayMs: readDelayMs,
    };
  });
  return service;
}

/** The theme GET /web/preferences answers `userId` with. */
async function themeOf(stack: Stack, userId: string): Promise<string> {
  const response = await fetch(`${stack.webUrl}/web/preferences`, { headers: bearer(userId) });
  return ((await response.json()) as { theme: string }).theme;
}

/** `userId`'s PATCH of their theme to dark. */
function changeToDark(stack: Stack, userId: string): Promise<Response> {
  return fetch(`${stack.webUrl}/web/preferences`, {
    method: 'PATCH',
    headers: { ...bearer(userId), 'content-type': 'application/json' },
    body: JSON.stringify({ theme: 'dark' }),
  });
}

describe('PATCH /web/preferences refused by the preference service', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  const patch = (userId: string, body: unknown): Promise<Response> =>
    fetch(`${stack.webUrl}/web/preferences`, {
      method: 'PATCH',
      headers: { ...bearer(userId), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it("answers 422 saying the service did not accept the change, not a 502 blaming the service, and keeps the service's reasons to itself", async () => {
    const problem = await expectProblem(await patch('u5', REFUSED_BY_THE_SERVICE), 422);

    expect(problem.type).toBe('https://bff-gateway.dev/problems/unprocessable');
    expect(problem.detail).toBe('The preference service did not accept this change.');
    expect(JSON.stringify(problem)).not.toContain('language tag');
  });

  it('changes nothing, and leaves the service in rotation, however many changes it refuses', async () => {
    const before = (await (
      await fetch(`${stack.webUrl}/web/preferences`, { headers: bearer('u6') })
    ).json()) as {
      language: string;
    };
    for (let attempt = 0; attempt < 8; attempt += 1) {
      expect((await patch('u6', REFUSED_BY_THE_SERVICE)).status).toBe(422);
    }

    const after = await fetch(`${stack.webUrl}/web/preferences`, { headers: bearer('u6') });
    expect(after.status).toBe(200);
    expect(((await after.json()) as { language: string }).language).toBe(before.language);
    const services = (await (
      await fetch(`${stack.webUrl}/admin/services`, {
        headers: { authorization: `Bearer ${mintToken({ sub: 'ops', roles: ['admin'] })}` },
      })
    ).json()) as { services: { service: string; breaker: string }[] };
    expect(services.services.find((service) => service.service === 'preference')?.breaker).toBe('closed');
  });

  it('names the Content-Encoding, not the content type, when a body comes in an encoding it does not take', async () => {
    const send = (encoding: string): Promise<Response> =>
      fetch(`${stack.webUrl}/web/preferences`, {
        method: 'PATCH',
        headers: { ...bearer('u7'), 'content-type': 'application/json', 'content-encoding': encoding },
        body: JSON.stringify({ theme: 'dark' }),
      });

    const refused = await send('xyz');
    // RFC 9110 §12.5.3: the refusal names the codings that would be taken.
    expect(refused.headers.get('accept-encoding')).toBe('gzip, deflate, br');
    const unknown = await expectProblem(refused, 415);
    expect(unknown.detail).toMatch(/Content-Encoding/);
    expect(unknown.detail).not.toMatch(/content type/);
    const broken = await expectProblem(await send('gzip'), 400);
    expect(broken.detail).toBe('The request body cannot be decompressed with the Content-Encoding it names.');
  });

  it('refuses a JSON body in a charset other than UTF-8 with a 415, rather than reading it as UTF-8', async () => {
    const response = await fetch(`${stack.webUrl}/web/preferences`, {
      method: 'PATCH',
      headers: { ...bearer('u7'), 'content-type': 'application/json; charset=utf-16' },
      body: Buffer.from(JSON.stringify({ theme: 'dark' }), 'utf16le'),
    });

    expect((await expectProblem(response, 415)).detail).toBe('A JSON body must be sent in UTF-8 (RFC 8259).');
    // A request without a body has nothing to decode: its Content-Type's charset is nobody's concern.
    const read = await fetch(`${stack.webUrl}/web/preferences`, {
      headers: { ...bearer('u7'), 'content-type': 'text/plain; charset=iso-8859-1' },
    });
    expect(read.status).toBe(200);
  });

  it('takes a gzip body whatever the case of its Content-Encoding, and as x-gzip', async () => {
    for (const coding of ['GZIP', 'x-gzip', 'Gzip']) {
      const response = await fetch(`${stack.webUrl}/web/preferences`, {
        method: 'PATCH',
        headers: { ...bearer('u7'), 'content-type': 'application/json', 'content-encoding': coding },
        body: gzipSync(JSON.stringify({ theme: 'dark' })),
      });
      expect(response.status, coding).toBe(200);
    }
  });

  it('refuses a conditional change whose condition cannot hold with a 412, and writes nothing', async () => {
    const send = (conditions: Record<string, string>): Promise<Response> =>
      fetch(`${stack.webUrl}/web/preferences`, {
        method: 'PATCH',
        headers: { ...bearer('u7'), 'content-type': 'application/json', ...conditions },
        body: JSON.stringify({ theme: 'dark' }),
      });
    const before = stack.demo.faults.preference.requestCount();
    await expectProblem(await send({ 'if-match': '"some-tag"' }), 412);
    await expectProblem(await send({ 'if-none-match': '*' }), 412);
    expect(stack.demo.faults.preference.requestCount()).toBe(before);
    expect((await send({ 'if-match': '*' })).status).toBe(200);
  });

  it('still writes a change the service accepts', async () => {
    const response = await patch('u7', { language: 'pt-BR' });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { language: string }).language).toBe('pt-BR');
  });

  it('writes a language tag sent in lower case as the service spells it', async () => {
    const response = await patch('u8', { language: 'zh-hant-tw' });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { language: string }).language).toBe('zh-Hant-TW');
  });
});

describe('PATCH /web/preferences whose answer is lost after the service made the change', () => {
  let stack: Stack;
  let preferences: FakeUpstream;

  beforeAll(async () => {
    // The change is made at once; its answer comes too late, or the connection drops before it.
    preferences = await themeService((userId, changed) =>
      userId.endsWith('reset') ? { kind: 'reset' } : { kind: 'json', body: changed, delayMs: 1_500 },
    );
    stack = await startStack({
      CACHE_ENABLED: 'true',
      PREFERENCE_SERVICE_URL: preferences.url,
      PREFERENCE_SERVICE_TIMEOUT_MS: '300',
    });
  });
  afterAll(async () => {
    await stack.close();
    await preferences.close();
  });

  const read = (userId: string): Promise<string> => themeOf(stack, userId);
  const change = (userId: string): Promise<Response> => changeToDark(stack, userId);

  it.each(['lost-late', 'lost-reset'])(
    'reads what the service holds next, not the cached copy, after a change whose answer was lost (%s)',
    async (userId) => {
      expect(await read(userId)).toBe('light');

      expect((await change(userId)).status).toBeGreaterThanOrEqual(500);

      expect(await read(userId)).toBe('dark');
    },
  );
});

describe('PATCH /web/preferences the preference service refuses as a conflict', () => {
  let stack: Stack;
  let preferences: FakeUpstream;

  beforeAll(async () => {
    preferences = await FakeUpstream.start();
    preferences.respond((request) =>
      request.method === 'PATCH'
        ? { kind: 'json', status: 409, body: { error: 'version mismatch at shard-7' } }
        : { kind: 'json', body: demoPreferences('conflict-1') },
    );
    stack = await startStack({ PREFERENCE_SERVICE_URL: preferences.url });
  });
  afterAll(async () => {
    await stack.close();
    await preferences.close();
  });

  it("answers 409 for the caller to resolve, not a 502 blaming the service, and keeps the service's words to itself", async () => {
    const response = await fetch(`${stack.webUrl}/web/preferences`, {
      method: 'PATCH',
      headers: { ...bearer('conflict-1'), 'content-type': 'application/json' },
      body: JSON.stringify({ theme: 'dark' }),
    });

    const problem = await expectProblem(response, 409);
    expect(problem.type).toBe('https://bff-gateway.dev/problems/conflict');
    expect(JSON.stringify(problem)).not.toContain('shard');
  });
});

describe('reads of /web/preferences racing a change', () => {
  let stack: Stack;
  let preferences: FakeUpstream;

  beforeAll(async () => {
    // A read sees the data as it is when the request arrives, and answers a moment later.
    preferences = await themeService((_userId, changed) => ({ kind: 'json', body: changed }), 400);
    stack = await startStack({
      CACHE_ENABLED: 'true',
      PREFERENCE_SERVICE_URL: preferences.url,
      PREFERENCE_SERVICE_CACHE_TTL_S: '1',
      CACHE_STALE_WHILE_REVALIDATE_S: '60',
    });
  });
  afterAll(async () => {
    await stack.close();
    await preferences.close();
  });

  const read = (userId: string): Promise<string> => themeOf(stack, userId);
  const change = async (userId: string): Promise<void> => {
    expect((await changeToDark(stack, userId)).status).toBe(200);
  };

  it('shows the change to a read sent after it, though a read sent before it is still loading', async () => {
    const before = read('race-load');
    await sleep(100);
    await change('race-load');

    expect(await read('race-load')).toBe('dark');
    expect(await before).toBe('light');
  });

  it('keeps showing the change after a background refresh that read the old data lands', async () => {
    expect(await read('race-refresh')).toBe('light');
    await sleep(1_100);
    // Past its freshness: served at once, and refreshed from the service, which still holds light.
    expect(await read('race-refresh')).toBe('light');
    await sleep(100);
    await change('race-refresh');
    // The refresh lands.
    await sleep(500);

    expect(await read('race-refresh')).toBe('dark');
  });
});

describe('PATCH /web/preferences while the preference service is down', () => {
  let stack: Stack;

  // A stack per test: each starts with a closed breaker.
  beforeEach(async () => {
    stack = await startStack({
      CACHE_ENABLED: 'true',
      UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '3',
      PREFERENCE_SERVICE_BREAKER_COOLDOWN_MS: '30000',
    });
  });
  afterEach(() => stack.close());

  it.each<[string, Record<string, string>]>([
    ['', {}],
    [' (with an Idempotency-Key)', { 'idempotency-key': 'never-sent-1' }],
  ])(
    'keeps serving the last preferences read: a change that was never sent changed nothing%s',
    async (_keyed, headers) => {
      const user = `down-${Object.keys(headers).length}`;
      const read = (userId: string): Promise<Response> =>
        fetch(`${stack.webUrl}/web/preferences`, { headers: bearer(userId) });
      const before = (await (await read(user)).json()) as Record<string, unknown>;
      stack.demo.faults.preference.set({ down: true });
      // Other users' reads fail until the breaker opens: from then on nothing is sent to the service.
      for (let other = 1; other <= 4; other += 1) {
        expect((await read(`${user}-other-${other}`)).status).toBeGreaterThanOrEqual(500);
      }

      const change = await fetch(`${stack.webUrl}/web/preferences`, {
        method: 'PATCH',
        headers: { ...bearer(user), 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ theme: before.theme === 'dark' ? 'light' : 'dark' }),
      });
      await expectProblem(change, 503);

      const after = await read(user);
      expect(after.status).toBe(200);
      expect(await after.json()).toEqual(before);
    },
  );
});

describe('PATCH /web/preferences from a client slow to send its body', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ AGGREGATE_DEADLINE_MS: '300' });
  });
  afterAll(() => stack.close());

  it('counts its budget from the end of the body, so the time the upload took is not blamed on the service', async () => {
    const body = JSON.stringify({ theme: 'dark' });
    const head = [
      'PATCH /web/preferences HTTP/1.1',
      'Host: gateway.test',
      `Authorization: ${bearer('slow-upload').authorization}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      '',
      '',
    ].join('\r\n');

    // The body comes twice the budget after the request line.
    const { answer } = await rawExchange(stack.webUrl, head, { drip: { chunks: [body], everyMs: 600 } });

    expect(answer?.status).toBe(200);
    expect(JSON.parse(answer?.body ?? '{}')).toMatchObject({ theme: 'dark' });
  });
});
