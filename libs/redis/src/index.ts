export { RedisConnection, type LuaScript } from './redis-connection.js';
export { RedisModule } from './redis.module.js';
export { TurnBatch } from './turn-batch.js';
