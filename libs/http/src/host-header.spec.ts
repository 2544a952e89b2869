import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { hostHeaderProblem } from './host-header.js';

const request = (rawHeaders: string[], version = '1.1'): IncomingMessage => {
  const [major, minor] = version.split('.').map(Number);
  return { rawHeaders, httpVersionMajor: major, httpVersionMinor: minor } as IncomingMessage;
};

describe('hostHeaderProblem', () => {
  it('accepts one Host header, whatever its case', () => {
    expect(hostHeaderProblem(request(['HOST', 'example.test', 'Accept', '*/*']))).toBeUndefined();
  });

  it('refuses two Host headers, which Node would have quietly cut to the first', () => {
    expect(hostHeaderProblem(request(['Host', 'a.test', 'host', 'b.test']))).toBe(
      'The request carries more than one Host header.',
    );
  });

  it('refuses an HTTP/1.1 request without Host, and lets an HTTP/1.0 one through', () => {
    expect(hostHeaderProblem(request(['Accept', '*/*']))).toBe(
      'An HTTP/1.1 request must carry a Host header.',
    );
    expect(hostHeaderProblem(request(['Accept', '*/*'], '1.0'))).toBeUndefined();
  });
});
