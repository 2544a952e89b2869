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
});
