import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger, type LoggerService } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { JwksKeyStore } from './jwks-key-store.js';

/** Every line Nest's loggers write while a test runs, by level. */
function captureLogs(): { warn: string[]; debug: string[] } {
  const lines = { warn: [] as string[], debug: [] as string[] };
  const capture: LoggerService = {
    log: () => undefined,
    error: () => undefined,
    warn: (message: unknown) => lines.warn.push(String(message)),
    debug: (message: unknown) => lines.debug.push(String(message)),
  };
  Logger.overrideLogger(capture);
  return lines;
}

/** A JWKS endpoint on a loopback port that serves `keys` and counts its fetches. */
async function serveKeys(
  keys: Record<string, unknown>[],
): Promise<{ url: string; server: Server; fetches: () => number }> {
  let fetches = 0;
  const server = createServer((_request, response) => {
    fetches += 1;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/jwks.json`, server, fetches: () => fetches };
}

function rsaJwk(modulusLength: number, kid: string): Record<string, unknown> {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength });
  return { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

describe(JwksKeyStore.name, () => {
  afterEach(() => {
    Logger.overrideLogger(false);
  });

  it('warns once about an endpoint that keeps failing, then keeps the repeats at debug', async () => {
    const logs = captureLogs();
    // Nothing listens on port 1: every fetch fails at once.
    const store = new JwksKeyStore({
      kind: 'jwks',
      url: 'http://127.0.0.1:1/jwks.json',
      algorithms: ['RS256', 'ES256'],
      refreshIntervalMs: 600_000,
      unknownKidCooldownMs: 0,
    });
    try {
      await store.onModuleInit();
      for (let attempt = 0; attempt < 3; attempt += 1) {
        await expect(store.keyFor('k1', 'RS256')).rejects.toMatchObject({ status: 503 });
      }
    } finally {
      store.onModuleDestroy();
    }

    expect(logs.warn).toHaveLength(1);
    expect(logs.warn[0]).toMatch(/^JWKS refresh failed/);
    expect(logs.debug.filter((line) => line.startsWith('JWKS refresh failed'))).toHaveLength(3);
  });

  it('refuses tokens of an RSA key under 2048 bits, with one warning naming its kid', async () => {
    const logs = captureLogs();
    const jwks = await serveKeys([rsaJwk(2048, 'strong'), rsaJwk(1024, 'weak-1024')]);
    const store = new JwksKeyStore({
      kind: 'jwks',
      url: jwks.url,
      algorithms: ['RS256', 'ES256'],
      refreshIntervalMs: 600_000,
      unknownKidCooldownMs: 0,
    });
    try {
      await store.onModuleInit();
      await expect(store.keyFor('strong', 'RS256')).resolves.toBeDefined();
      await expect(store.keyFor('weak-1024', 'RS256')).rejects.toMatchObject({ reason: 'unknown-key' });
      await expect(store.keyFor('weak-1024', 'RS256')).rejects.toMatchObject({ reason: 'unknown-key' });
    } finally {
      store.onModuleDestroy();
      jwks.server.close();
    }

    // The endpoint listed the weak key with the others: asking it again would not make the key any stronger.
    expect(jwks.fetches()).toBe(1);
    expect(logs.warn).toEqual([
      'JWKS key weak-1024 is an RSA key of 1024 bits, under 2048: tokens it signs are refused',
    ]);
  });
});
