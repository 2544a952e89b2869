import type { LuaScript } from './redis-connection.js';

/**
 * Deletes KEYS[1] only while it still holds ARGV[1], the token its holder
 * set it to: a lock or claim that expired and was taken by another holder
 * is never released by the first.
 */
export const RELEASE_IF_HELD: LuaScript = {
  lua: "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
};
