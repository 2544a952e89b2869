export { RedisConnection } from './redis-connection.js';
export { RedisModule } from './redis.module.js';
