import { loadConfig } from '@app/config';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnection, type LuaScript } from './redis-connection.js';

const INCREMENT_BY: LuaScript = { lua: "return redis.call('INCRBY', KEYS[1], ARGV[1])" };
const url = process.env.REDIS_URL;

describe.skipIf(url === undefined)('RedisConnection.runScript (real Redis)', () => {
  const prefix = `test:${randomUUID()}:`;
  let connection: RedisConnection;
  let admin: Redis;

  beforeAll(async () => {
    connection = new RedisConnection(loadConfig({ REDIS_URL: url, REDIS_KEY_PREFIX: prefix }));
    await connection.onModuleInit();
    admin = new Redis(url as string);
  });

  afterAll(async () => {
    await admin.del(`${prefix}counter`);
    admin.disconnect();
    await connection.onApplicationShutdown();
  });

  it('runs a script and keeps working after Redis has forgotten it (SCRIPT FLUSH, a restart)', async () => {
    expect(await connection.runScript(INCREMENT_BY, [`${prefix}counter`], [2])).toBe(2);
    await admin.script('FLUSH');
    expect(await connection.runScript(INCREMENT_BY, [`${prefix}counter`], [3])).toBe(5);
  });

  it('answers undefined rather than throwing when the script fails', async () => {
    const broken: LuaScript = { lua: "return redis.call('NOSUCHCOMMAND')" };
    expect(await connection.runScript(broken, [`${prefix}x`], [])).toBeUndefined();
  });
});

describe('RedisConnection.runScript without Redis', () => {
  it('answers undefined at once: the caller decides what no Redis means', async () => {
    const connection = new RedisConnection(loadConfig({}));
    expect(await connection.runScript(INCREMENT_BY, ['k'], [1])).toBeUndefined();
  });
});
