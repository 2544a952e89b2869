import { describe, expect, it } from 'vitest';
import { securityHeaders } from './security-headers.js';

describe('securityHeaders', () => {
  it('gives every answer helmet’s protective headers, with the /docs page allowed its inline scripts', () => {
    const headers = securityHeaders();
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    expect(headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('follows the options it is given, such as a policy turned off', () => {
    const headers = securityHeaders({ contentSecurityPolicy: false, xFrameOptions: { action: 'deny' } });
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['x-frame-options']).toBe('DENY');
  });

  it('refuses options helmet itself refuses, at start rather than on a request', () => {
    expect(() => securityHeaders({ referrerPolicy: { policy: 'not-a-policy' as never } })).toThrow(/policy/i);
  });
});
