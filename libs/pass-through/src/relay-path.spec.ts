import { relayPath } from './relay-path.js';

describe(relayPath.name, () => {
  it('puts what follows the prefix under the upstream prefix, segment by segment', () => {
    expect(relayPath('/users/', 'u1')).toBe('/users/u1');
    expect(relayPath('/users/', 'u1/avatar')).toBe('/users/u1/avatar');
    expect(relayPath('/users/', '')).toBe('/users/');
  });

  it('re-encodes what it passes on', () => {
    expect(relayPath('/users/', 'a%20b')).toBe('/users/a%20b');
    expect(relayPath('/users/', 'a:b@c')).toBe('/users/a%3Ab%40c');
  });

  it('refuses anything that could climb out of the upstream prefix', () => {
    for (const rest of ['..', '.', '%2E%2E', 'u1/../admin', '..%2Fadmin', 'a%5Cb', 'a//b', '%E0%A4%A']) {
      expect(relayPath('/users/', rest)).toBeUndefined();
    }
  });

  it('refuses encoded control characters, which name no resource', () => {
    for (const rest of ['u1%00', 'u1%0D%0AX-Injected:%201', 'a%09b', 'u1/%7F']) {
      expect(relayPath('/users/', rest)).toBeUndefined();
    }
  });
});
