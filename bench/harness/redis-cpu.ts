import { Redis } from 'ioredis';

/**
 * CPU time the Redis server has used so far, user plus system, in
 * milliseconds, from its own INFO (to the microsecond, where /proc's clock
 * ticks are 10 ms): the Redis flavour's share of the cores the gateway
 * runs on, which its own process time leaves out.
 */
export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const seconds = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000;
}
