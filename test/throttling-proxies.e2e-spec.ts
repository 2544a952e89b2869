import { expectProblem } from './support/problem.js';
import { startAddressProbe, type AddressProbe } from './support/address-probe.js';
import { rateLimitOf } from './support/throttling.js';

/*
 * Anonymous callers are counted by address. No BFF route lets one reach the
 * throttler (see AddressProbe), so these tests call a probe route built
 * like a BFF. Both windows last a minute here: no window starts again
 * during a test.
 */

const LIMITS = {
  THROTTLE_ENABLED: 'true',
  THROTTLE_BURST_LIMIT: '3',
  THROTTLE_BURST_WINDOW_MS: '60000',
  THROTTLE_SUSTAINED_LIMIT: '100',
  THROTTLE_SUSTAINED_WINDOW_MS: '60000',
};

const probe = (base: string, forwardedFor?: string): Promise<Response> =>
  fetch(`${base}/probe`, { headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } });

describe('X-Forwarded-For from a peer that is no trusted proxy', () => {
  let app: AddressProbe;

  beforeAll(async () => {
    app = await startAddressProbe(LIMITS);
  });
  afterAll(() => app.close());

  it('counts an anonymous caller by its socket address, so a new forged address each time buys no fresh limit', async () => {
    for (const [index, forged] of ['203.0.113.1', '203.0.113.2', '203.0.113.3'].entries()) {
      const response = await probe(app.url, forged);
      expect(response.status).toBe(200);
      expect(rateLimitOf(response).remaining).toBe(2 - index);
      expect(await response.json()).toEqual({ ip: '127.0.0.1' });
    }
    await expectProblem(await probe(app.url, '203.0.113.4'), 429);
  });
});

describe('X-Forwarded-For from a trusted proxy', () => {
  let app: AddressProbe;

  beforeAll(async () => {
    app = await startAddressProbe({ ...LIMITS, TRUSTED_PROXIES: '127.0.0.1' });
  });
  afterAll(() => app.close());

  it('counts each client behind the proxy by the address the proxy forwards', async () => {
    for (let call = 0; call < 3; call += 1) {
      expect((await probe(app.url, '198.51.100.1')).status).toBe(200);
    }
    await expectProblem(await probe(app.url, '198.51.100.1'), 429);

    const neighbour = await probe(app.url, '198.51.100.2');
    expect(neighbour.status).toBe(200);
    expect(rateLimitOf(neighbour).remaining).toBe(2);
    expect(await neighbour.json()).toEqual({ ip: '198.51.100.2' });
  });

  it('takes the address the proxy saw, not one the client prepended to the header', async () => {
    // The proxy appends the peer it saw to whatever the client sent; only that last hop is believed.
    const response = await probe(app.url, '192.0.2.66, 198.51.100.3');
    expect(await response.json()).toEqual({ ip: '198.51.100.3' });
    expect(rateLimitOf(response).remaining).toBe(2);
  });

  it('counts the proxy itself by its own address when it forwards no header', async () => {
    const response = await probe(app.url);
    expect(await response.json()).toEqual({ ip: '127.0.0.1' });
  });
});
