export type {
  ApiKeyConsumer,
  AppConfig,
  AppName,
  AuthConfig,
  BreakerConfig,
  CacheConfig,
  DemoServicesConfig,
  EjectionConfig,
  FaultKnobs,
  HedgeConfig,
  HttpConfig,
  InstanceConfig,
  JwtKeyConfig,
  RateWindow,
  RetryConfig,
  ServiceConfig,
  ServiceName,
  ThrottleConfig,
  ThrottleTier,
  TracesSampler,
  TracingConfig,
} from './app-config.js';
export { SERVICE_NAMES } from './app-config.js';
export { ConfigError } from './config.error.js';
export { decimalNumber } from './decimal-number.js';
export { APP_CONFIG, ConfigModule } from './config.module.js';
export { AGGREGATE_COST, configWarnings } from './config-warnings.js';
export { DEVELOPMENT_JWT_SECRET, DEVELOPMENT_SECRET_WARNING } from './development-secret.js';
export { MIN_RSA_MODULUS_BITS } from './env.schema.js';
export { hashApiKey, MAX_API_KEY_LENGTH } from './hash-api-key.js';
export {
  LAUNCHER_PORTS,
  loadConfig,
  loadDemoServicesConfig,
  type DemoServicesSettings,
  type ListenedPort,
} from './load-config.js';
export type { PassThroughRoute } from './pass-through.schema.js';
