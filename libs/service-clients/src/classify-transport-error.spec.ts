import { AxiosError, CanceledError } from 'axios';
import { describe, expect, it } from 'vitest';
import { classifyTransportError } from './classify-transport-error.js';
import {
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './upstream.error.js';

const calm = { deadlinePassed: false, abortedByCaller: false };

describe('classifyTransportError', () => {
  it('blames an unreachable instance for a refused or reset connection', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'ENOTFOUND']) {
      const error = classifyTransportError('user', new AxiosError('down', code), calm);
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect((error as UpstreamError).connectionFailed).toBe(true);
      // Only a refused connection is known to have carried nothing of the request.
      expect((error as UpstreamError).unsent).toBe(code === 'ECONNREFUSED');
    }
  });

  it('calls a call cut by the deadline a timeout, whatever the socket said', () => {
    const error = classifyTransportError('user', new AxiosError('reset', 'ECONNRESET'), {
      deadlinePassed: true,
      abortedByCaller: false,
    });
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
  });

  it('passes no verdict on the upstream for a call its caller abandoned', () => {
    const error = classifyTransportError('user', new CanceledError(), calm);
    expect((error as UpstreamError).cancelled).toBe(true);
  });

  it("refuses an oversized answer as a bad response, not an outage, and one that never counts toward opening the service's breaker", () => {
    const error = classifyTransportError(
      'order',
      new AxiosError('maxContentLength size of 10 exceeded', 'ERR_BAD_RESPONSE'),
      calm,
    );
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect((error as UpstreamBadResponseError).breakerFailure).toBe(false);
  });

  it('calls bytes that are not HTTP a bad answer that another instance may be asked for', () => {
    const error = classifyTransportError(
      'user',
      new AxiosError('Expected HTTP/', 'HPE_INVALID_CONSTANT'),
      calm,
    );
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect((error as UpstreamError).breakerFailure).toBe(true);
    expect((error as UpstreamError).retryable).toBe(true);
  });

  it('does not blame the upstream for a request the gateway could not build', () => {
    const invalid = new AxiosError('Invalid character in header content', 'ERR_INVALID_CHAR');
    expect(classifyTransportError('user', invalid, calm)).toBe(invalid);
    const bug = new RangeError('Maximum call stack size exceeded');
    expect(classifyTransportError('user', bug, calm)).toBe(bug);
    expect(classifyTransportError('user', bug, calm)).not.toBeInstanceOf(UpstreamError);
  });
});
