import {
  UpstreamBadResponseError,
  UpstreamNotFoundError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './upstream.error.js';
import { instanceLabel, upstreamOutcome } from './upstream-outcome.js';

describe(upstreamOutcome.name, () => {
  it('names an attempt that got a usable answer ok', () => {
    expect(upstreamOutcome(undefined)).toBe('ok');
  });

  it('names each failure by what the upstream did', () => {
    expect(upstreamOutcome(new UpstreamNotFoundError('user', 'The user'))).toBe('not_found');
    expect(upstreamOutcome(new UpstreamTimeoutError('order'))).toBe('timeout');
    expect(upstreamOutcome(new UpstreamUnavailableError('order', { connection: true }))).toBe('unavailable');
    expect(upstreamOutcome(new UpstreamUnavailableError('order', { status: 503 }))).toBe('unavailable');
    expect(upstreamOutcome(new UpstreamBadResponseError('preference', { status: 200 }))).toBe('bad_response');
  });

  it('keeps attempts abandoned for the caller or never sent apart from the upstream failures', () => {
    expect(upstreamOutcome(new UpstreamUnavailableError('order', { cancelled: true }))).toBe('cancelled');
    expect(upstreamOutcome(new UpstreamTimeoutError('order', { cancelled: true }))).toBe('cancelled');
    expect(upstreamOutcome(new UpstreamTimeoutError('order', { failedFast: true }))).toBe('failed_fast');
  });
});

describe(instanceLabel.name, () => {
  it("is the instance's host and port", () => {
    expect(instanceLabel('http://127.0.0.1:4001')).toBe('127.0.0.1:4001');
    expect(instanceLabel('http://[::1]:4002/base')).toBe('[::1]:4002');
    expect(instanceLabel('http://order-service:8080')).toBe('order-service:8080');
  });

  it('spells out the default port, so one instance has one label however its URL is written', () => {
    expect(instanceLabel('http://users.internal')).toBe('users.internal:80');
    expect(instanceLabel('https://users.internal/')).toBe('users.internal:443');
  });

  it('never carries credentials written into the URL', () => {
    expect(instanceLabel('https://svc:s3cret@users.internal:8443/api')).toBe('users.internal:8443');
  });
});
