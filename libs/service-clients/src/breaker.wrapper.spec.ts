import { loadConfig } from '@app/config';
import { Metrics } from '@app/observability';
import { serviceBreaker, withBreaker } from './breaker.wrapper.js';
import { LocalOutageSignal } from './outage-signal.js';
import { ServicePause } from './service-pause.js';
import { UpstreamUnavailableError, type UpstreamError } from './upstream.error.js';
import type { UpstreamRequest } from './upstream-call.js';
import { writeMayHaveLanded } from './write-outcome.js';

describe(withBreaker.name, () => {
  it('tells a write refused at the connection that opened the breaker it was never sent, with the cool-down to wait', async () => {
    const config = loadConfig({ UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '1' }).services.preference;
    const metrics = new Metrics();
    const call = withBreaker(
      config,
      serviceBreaker(config, new LocalOutageSignal(), metrics),
      new ServicePause(30_000),
      metrics,
    )(() => Promise.reject(new UpstreamUnavailableError('preference', { connection: true, unsent: true })));

    const failure = (await call({ method: 'PATCH', path: '/preferences/u1' } as UpstreamRequest).catch(
      (error: unknown) => error,
    )) as UpstreamError;

    expect(failure.retryAfterSeconds).toBeGreaterThan(0);
    expect(failure.unsent).toBe(true);
    expect(writeMayHaveLanded(failure)).toBe(false);
  });
});
