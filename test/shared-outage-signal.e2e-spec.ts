import { randomUUID } from 'node:crypto';
import { startStack, type Stack } from './support/stack.js';
import { bearer, mintToken } from './support/tokens.js';

const redisUrl = process.env.REDIS_URL;

describe.skipIf(redisUrl === undefined)('outage signal shared over Redis', () => {
  let stack: Stack;
  const admin = { authorization: `Bearer ${mintToken({ sub: 'ops-1', roles: ['admin'] })}` };

  beforeAll(async () => {
    // The mobile and the web BFF are two gateway instances here, each with its own breakers, sharing one Redis.
    stack = await startStack({
      REDIS_URL: redisUrl ?? '',
      REDIS_KEY_PREFIX: `test:${randomUUID()}:`,
      ORDER_SERVICE_BREAKER_CONSECUTIVE_FAILURES: '5',
      ORDER_SERVICE_BREAKER_SUSPECT_FAILURES: '2',
      ORDER_SERVICE_BREAKER_COOLDOWN_MS: '30000',
      ORDER_SERVICE_RETRY_MAX: '0',
    });
  });
  afterAll(() => stack.close());

  const orderBreaker = async (base: string): Promise<string> => {
    const { services } = await (await fetch(`${base}/admin/services`, { headers: admin })).json();
    return services.find((service: { service: string }) => service.service === 'order').breaker;
  };

  it('lets the other gateway instance open its breaker after two failures once one instance saw the outage', async () => {
    stack.demo.faults.order.set({ down: true });
    // The first instance needs its full run of five failures.
    for (let call = 0; call < 5; call += 1) {
      await fetch(`${stack.mobileUrl}/mobile/profile`, { headers: bearer('u1') });
    }
    expect(await orderBreaker(stack.mobileUrl)).toBe('open');
    expect(await orderBreaker(stack.webUrl)).toBe('closed');

    // Give the announcement time to cross Redis, then two failures are enough on the second instance.
    await new Promise((resolve) => setTimeout(resolve, 300));
    stack.demo.faults.order.resetCount();
    for (let call = 0; call < 4; call += 1) {
      await fetch(`${stack.webUrl}/web/dashboard`, { headers: bearer('u1') });
    }
    expect(await orderBreaker(stack.webUrl)).toBe('open');
    expect(stack.demo.faults.order.requestCount()).toBe(2);
  });
});
