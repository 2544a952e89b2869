export { RedisConnection, type LuaScript } from './redis-connection.js';
export { RedisModule } from './redis.module.js';
export { RELEASE_IF_HELD } from './release-if-held.js';
export { TurnBatch } from './turn-batch.js';
