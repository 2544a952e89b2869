import { describe, expect, it } from 'vitest';
import { API_HELMET_OPTIONS, apiHeaders, isDocumentPath, securityHeaders } from './security-headers.js';

describe('securityHeaders', () => {
  it('gives every answer helmet’s protective headers, with the /docs page allowed its inline scripts', () => {
    const headers = securityHeaders();
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    expect(headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('lets /docs load its assets over plain http on any host name, never sending the browser to https for them', () => {
    expect(securityHeaders()['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });

  it('follows the options it is given, such as a policy turned off', () => {
    const headers = securityHeaders({ contentSecurityPolicy: false, xFrameOptions: { action: 'deny' } });
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['x-frame-options']).toBe('DENY');
  });

  it('refuses options helmet itself refuses, at start rather than on a request', () => {
    expect(() => securityHeaders({ referrerPolicy: { policy: 'not-a-policy' as never } })).toThrow(/policy/i);
  });

  it('gives API answers the headers that protect a non-document answer, without those only a rendered page uses', () => {
    const headers = securityHeaders(API_HELMET_OPTIONS);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(headers['cross-origin-resource-policy']).toBe('same-origin');
    for (const pageOnly of [
      'x-dns-prefetch-control',
      'x-download-options',
      'x-permitted-cross-domain-policies',
      'origin-agent-cluster',
      'x-xss-protection',
    ]) {
      expect(headers[pageOnly]).toBeUndefined();
      expect(securityHeaders()[pageOnly]).toBeDefined();
    }
  });
});

describe('apiHeaders', () => {
  it('tells browsers and proxies to keep no API answer unless its route says otherwise', () => {
    expect(apiHeaders()).toEqual({ ...securityHeaders(API_HELMET_OPTIONS), 'cache-control': 'no-store' });
  });
});

describe('isDocumentPath', () => {
  it('takes the documentation page, its assets and its query as the documentation', () => {
    expect(isDocumentPath('/docs', '/docs')).toBe(true);
    expect(isDocumentPath('/docs/', '/docs')).toBe(true);
    expect(isDocumentPath('/docs/swagger-ui.css', '/docs')).toBe(true);
    expect(isDocumentPath('/docs?x=1', '/docs')).toBe(true);
  });

  it('does not take an API path that merely starts with the same letters', () => {
    expect(isDocumentPath('/docsearch', '/docs')).toBe(false);
    expect(isDocumentPath('/mobile/docs', '/docs')).toBe(false);
    expect(isDocumentPath('/', '/docs')).toBe(false);
  });
});
