import { endpointsFor, InstanceResolver } from './instance-resolver.js';
import type { Endpoint } from './upstream-instance.js';

describe(endpointsFor.name, () => {
  it('gives each resolved address of a host name its own endpoint, keeping the host as Host header', () => {
    const endpoints = endpointsFor(
      [{ url: 'http://orders.svc:8080/api', weight: 2 }],
      new Map([['orders.svc', ['10.0.0.5', '10.0.0.6']]]),
    );
    expect(endpoints).toEqual([
      {
        id: 'http://10.0.0.5:8080/api',
        url: 'http://10.0.0.5:8080/api',
        hostHeader: 'orders.svc:8080',
        weight: 2,
      },
      {
        id: 'http://10.0.0.6:8080/api',
        url: 'http://10.0.0.6:8080/api',
        hostHeader: 'orders.svc:8080',
        weight: 2,
      },
    ]);
  });

  it('keeps IP addresses, localhost, HTTPS and unresolved names as configured', () => {
    const configured = [
      'http://127.0.0.1:4002',
      'http://localhost:4002',
      'https://orders.example.com',
      'http://orders.svc',
    ];
    const endpoints = endpointsFor(
      configured.map((url) => ({ url, weight: 1 })),
      new Map(),
    );
    expect(endpoints.map((endpoint) => [endpoint.url, endpoint.hostHeader])).toEqual(
      configured.map((url) => [url, undefined]),
    );
  });

  it('brackets IPv6 addresses', () => {
    const [endpoint] = endpointsFor(
      [{ url: 'http://orders.svc:8080', weight: 1 }],
      new Map([['orders.svc', ['fd00::5']]]),
    );
    expect(endpoint.url).toBe('http://[fd00::5]:8080');
  });
});

describe(InstanceResolver.name, () => {
  it('follows a name whose answers change, and keeps the last answer when a lookup fails', async () => {
    const answers: Array<string[] | Error> = [['10.0.0.1'], ['10.0.0.1', '10.0.0.2'], new Error('SERVFAIL')];
    const applied: Endpoint[][] = [];
    const resolver = new InstanceResolver(
      'order',
      [{ url: 'http://orders.svc:8080', weight: 1 }],
      (endpoints) => applied.push(endpoints),
      async () => {
        const answer = answers.shift();
        if (answer instanceof Error || answer === undefined) {
          throw answer ?? new Error('no more answers');
        }
        return answer;
      },
    );
    await resolver.start(0);
    await resolver.refresh();
    await resolver.refresh();
    expect(applied.map((endpoints) => endpoints.map((endpoint) => endpoint.url))).toEqual([
      ['http://10.0.0.1:8080'],
      ['http://10.0.0.1:8080', 'http://10.0.0.2:8080'],
      ['http://10.0.0.1:8080', 'http://10.0.0.2:8080'],
    ]);
  });
});
