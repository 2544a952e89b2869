export type {
  AppConfig,
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
  RetryConfig,
  ServiceConfig,
  ServiceName,
} from './app-config.js';
export { SERVICE_NAMES } from './app-config.js';
export { ConfigError } from './config.error.js';
export { APP_CONFIG, ConfigModule } from './config.module.js';
export { DEVELOPMENT_JWT_SECRET, DEVELOPMENT_SECRET_WARNING } from './development-secret.js';
export { loadConfig } from './load-config.js';
