import { loadConfig } from '@app/config';
import { Metrics } from '@app/observability';
import { circuitStateName, reportedBreakerState, serviceBreaker, withBreaker } from './breaker.wrapper.js';
import { LocalOutageSignal } from './outage-signal.js';
import { ServicePause } from './service-pause.js';
import { UpstreamTimeoutError, UpstreamUnavailableError, type UpstreamError } from './upstream.error.js';
import type { UpstreamRequest } from './upstream-call.js';
import { writeMayHaveLanded } from './write-outcome.js';

type Answer = { status: number; body: unknown };

/**
 * A breaker that opens on one failure and cools down for 100 ms, in front
 * of a call answering with `outcomes` in turn; `get` never throws (it
 * resolves with the error), and `sent` lists the paths that reached the call.
 */
function scriptedBreaker(service: 'user' | 'order', outcomes: (() => Promise<Answer>)[]) {
  const config = loadConfig({
    UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '1',
    UPSTREAM_BREAKER_COOLDOWN_MS: '100',
  }).services[service];
  const metrics = new Metrics();
  const policy = serviceBreaker(config, new LocalOutageSignal(), metrics);
  const sent: string[] = [];
  const call = withBreaker(
    config,
    policy,
    new ServicePause(30_000),
    metrics,
  )((request) => {
    sent.push(request.path);
    return outcomes[sent.length - 1]();
  });
  const get = (path: string): Promise<unknown> =>
    call({ method: 'GET', path } as UpstreamRequest).catch((error: unknown) => error);
  return { policy, sent, get };
}

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

  it('refuses at once, with a second to wait, the calls that arrive while a probe decides, instead of holding them behind it', async () => {
    let answerProbe: (value: Answer) => void = () => undefined;
    const { sent, get } = scriptedBreaker('user', [
      () => Promise.reject(new UpstreamUnavailableError('user', { connection: true })),
      () => new Promise<Answer>((resolve) => (answerProbe = resolve)),
      () => Promise.resolve({ status: 200, body: 'after' }),
    ]);

    expect(await get('/opens')).toBeInstanceOf(UpstreamUnavailableError);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const probe = get('/probe');
    const refused = (await get('/during-probe')) as UpstreamError;

    expect(refused).toBeInstanceOf(UpstreamUnavailableError);
    expect(refused.failedFast).toBe(true);
    expect(refused.retryAfterSeconds).toBe(1);
    expect(sent).toEqual(['/opens', '/probe']);
    answerProbe({ status: 200, body: 'probe' });
    expect(await probe).toEqual({ status: 200, body: 'probe' });
    expect(await get('/after')).toEqual({ status: 200, body: 'after' });
  });

  it.each([
    ['cancelled by its request', new UpstreamTimeoutError('order', { cancelled: true })],
    ['never sent for lack of time', new UpstreamTimeoutError('order', { failedFast: true })],
  ])(
    'neither closes nor keeps the breaker open for a cool-down when its probe is %s: the next call probes',
    async (_how, undecided) => {
      const { policy, sent, get } = scriptedBreaker('order', [
        () => Promise.reject(new UpstreamUnavailableError('order', { connection: true })),
        () => Promise.reject(undecided),
        () => Promise.reject(new UpstreamUnavailableError('order', { connection: true })),
      ]);

      await get('/opens');
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(await get('/probe')).toBe(undecided);
      expect(circuitStateName(reportedBreakerState(policy))).toBe('half-open');

      // The dead service is still asked once, by the next call, and opens the breaker for a whole cool-down.
      expect(await get('/second-probe')).toBeInstanceOf(UpstreamUnavailableError);
      expect(sent).toEqual(['/opens', '/probe', '/second-probe']);
      expect(circuitStateName(reportedBreakerState(policy))).toBe('open');
      const refused = (await get('/refused')) as UpstreamError;
      expect(refused.failedFast).toBe(true);
      expect(sent).toHaveLength(3);
    },
  );

  it('shows an open breaker as half-open once its cool-down is over, though no call has come to probe it', async () => {
    const config = loadConfig({
      UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '1',
      UPSTREAM_BREAKER_COOLDOWN_MS: '100',
    }).services.order;
    const metrics = new Metrics();
    const policy = serviceBreaker(config, new LocalOutageSignal(), metrics);
    const call = withBreaker(
      config,
      policy,
      new ServicePause(30_000),
      metrics,
    )(() => Promise.reject(new UpstreamUnavailableError('order', { connection: true })));
    const gauge = async (): Promise<string | undefined> =>
      /circuit_breaker_state\{service="order"\} (\d)/.exec(await metrics.text())?.[1];

    await call({ method: 'GET', path: '/orders' } as UpstreamRequest).catch(() => undefined);
    expect(circuitStateName(reportedBreakerState(policy))).toBe('open');
    expect(await gauge()).toBe('1');

    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(circuitStateName(reportedBreakerState(policy))).toBe('half-open');
    expect(await gauge()).toBe('2');
  });
});
