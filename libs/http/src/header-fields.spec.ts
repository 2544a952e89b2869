import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { headerFieldsProblem } from './header-fields.js';

const request = (rawHeaders: string[], version = '1.1'): IncomingMessage => {
  const [major, minor] = version.split('.').map(Number);
  return { rawHeaders, httpVersionMajor: major, httpVersionMinor: minor } as IncomingMessage;
};

describe('headerFieldsProblem', () => {
  it('accepts one Host header, whatever its case', () => {
    expect(headerFieldsProblem(request(['HOST', 'example.test', 'Accept', '*/*']))).toBeUndefined();
  });

  it('refuses two Host headers, which Node would have quietly cut to the first', () => {
    expect(headerFieldsProblem(request(['Host', 'a.test', 'host', 'b.test']))).toBe(
      'The request carries more than one Host header.',
    );
  });

  it.each([
    [['Authorization', 'Bearer a', 'authorization', 'Bearer b'], 'Authorization'],
    [['Content-Type', 'application/json', 'content-type', 'text/plain'], 'Content-Type'],
    [['X-API-Key', 'k1', 'x-api-key', 'k2'], 'X-API-Key'],
  ])('refuses two %s lines, of which Node would have kept one', (lines, shown) => {
    expect(headerFieldsProblem(request(['Host', 'a.test', ...lines]))).toBe(
      `The request carries more than one ${shown} header.`,
    );
  });

  it('lets other fields repeat, as HTTP allows for lists', () => {
    expect(
      headerFieldsProblem(request(['Host', 'a.test', 'Accept', 'a/b', 'accept', 'c/d'])),
    ).toBeUndefined();
  });

  it('refuses an HTTP/1.1 request without Host, and lets an HTTP/1.0 one through', () => {
    expect(headerFieldsProblem(request(['Accept', '*/*']))).toBe(
      'An HTTP/1.1 request must carry a Host header.',
    );
    expect(headerFieldsProblem(request(['Accept', '*/*'], '1.0'))).toBeUndefined();
  });
});
