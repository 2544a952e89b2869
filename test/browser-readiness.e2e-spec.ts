import { DEMO_USER_WITH_MANY_ORDERS } from '../apps/demo-services/src/demo-data.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

describe('answers ready for browsers', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('carries the security headers a browser acts on', async () => {
    const response = await fetch(`${stack.webUrl}/web/dashboard`, { headers: bearer('u1') });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    // Headers that only act on a rendered page are left to the one page there is.
    expect(response.headers.get('x-dns-prefetch-control')).toBeNull();
  });

  it('compresses a large answer for a client that accepts gzip, and leaves a small one alone', async () => {
    const large = await fetch(`${stack.webUrl}/web/orders?limit=50`, {
      headers: { ...bearer(DEMO_USER_WITH_MANY_ORDERS), 'accept-encoding': 'gzip' },
    });
    expect(large.status).toBe(200);
    expect(large.headers.get('content-encoding')).toBe('gzip');
    expect((await large.json()).items).toHaveLength(50);

    const small = await fetch(`${stack.mobileUrl}/mobile/profile`, {
      headers: { ...bearer('u1'), 'accept-encoding': 'gzip' },
    });
    expect(small.headers.get('content-encoding')).toBeNull();
  });

  it('never compresses with an encoding the client refused, even beside a wildcard', async () => {
    const encodingFor = async (accepted: string): Promise<string | null> => {
      const response = await fetch(`${stack.webUrl}/web/orders?limit=50`, {
        headers: { ...bearer(DEMO_USER_WITH_MANY_ORDERS), 'accept-encoding': accepted },
      });
      expect((await response.json()).items).toHaveLength(50);
      return response.headers.get('content-encoding');
    };

    expect(await encodingFor('gzip;q=0, *')).toBe('deflate');
    expect(await encodingFor('*;q=1, gzip;q=0, deflate;q=0')).toBeNull();
    expect(await encodingFor('*')).toBe('gzip');
  });

  it('still serves the documentation page under its content security policy', async () => {
    const page = await fetch(`${stack.mobileUrl}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self' 'unsafe-inline'");
    expect(page.headers.get('x-dns-prefetch-control')).toBe('off');
  });
});
