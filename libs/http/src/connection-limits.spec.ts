import { loadConfig } from '@app/config';
import { connectionLimits, connectionsCheckingIntervalMs } from './connection-limits.js';

describe(connectionLimits.name, () => {
  it('hands Node the configured timeouts and header size', () => {
    const http = loadConfig({
      HEADERS_TIMEOUT_MS: '10000',
      REQUEST_TIMEOUT_MS: '30000',
      MAX_HEADER_BYTES: '8192',
    }).http;

    expect(connectionLimits(http)).toEqual({
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      connectionsCheckingInterval: 1_000,
      maxHeaderSize: 8192,
      requireHostHeader: false,
    });
  });
});

describe(connectionsCheckingIntervalMs.name, () => {
  it('checks every second for timeouts counted in seconds, rather than Node’s 30 s', () => {
    expect(connectionsCheckingIntervalMs(10_000)).toBe(1_000);
    expect(connectionsCheckingIntervalMs(300_000)).toBe(1_000);
  });

  it('checks four times per timeout for short ones, so a slow client is cut close to its deadline', () => {
    expect(connectionsCheckingIntervalMs(400)).toBe(100);
  });

  it('never checks more often than every 10 ms', () => {
    expect(connectionsCheckingIntervalMs(1)).toBe(10);
  });
});
