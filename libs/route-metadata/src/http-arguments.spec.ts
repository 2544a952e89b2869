import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { describe, expect, it } from 'vitest';
import { httpReplyOf, httpRequestOf } from './http-arguments.js';

describe('httpRequestOf and httpReplyOf', () => {
  it("hand a guard the same request and reply as Nest's switchToHttp", () => {
    const request = { url: '/mobile/profile' };
    const reply = { statusCode: 200 };
    const context = new ExecutionContextHost([request, reply, () => undefined]);
    expect(httpRequestOf(context)).toBe(request);
    expect(httpReplyOf(context)).toBe(reply);
    expect(httpRequestOf(context)).toBe(context.switchToHttp().getRequest());
    expect(httpReplyOf(context)).toBe(context.switchToHttp().getResponse());
  });
});
