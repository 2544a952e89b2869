/** The gateway's configuration after parsing: real types, no strings to re-parse, no optional fields that are in fact required. */

export type ServiceName = 'user' | 'order' | 'preference';

export const SERVICE_NAMES: readonly ServiceName[] = ['user', 'order', 'preference'];

export interface ServiceConfig {
  name: ServiceName;
  /** Instance base URLs without a trailing slash, picked round robin. */
  urls: string[];
  /** Ceiling for one call; the request deadline may cut it shorter. */
  timeoutMs: number;
  /** Open sockets per instance; callers beyond it queue in the agent instead of opening more. */
  maxSockets: number;
}

export type JwtKeyConfig =
  | { kind: 'secret'; secret: string; algorithms: ['HS256']; isDevelopmentSecret: boolean }
  | { kind: 'public-key'; publicKeyPem: string; algorithms: ['RS256'] | ['ES256'] }
  | {
      kind: 'jwks';
      url: string;
      algorithms: ['RS256', 'ES256'];
      refreshIntervalMs: number;
      unknownKidCooldownMs: number;
    };

export interface AuthConfig {
  key: JwtKeyConfig;
  issuer: string | undefined;
  audience: string | undefined;
  clockToleranceSeconds: number;
}

export interface FaultKnobs {
  latencyMs: number;
  errorRate: number;
  down: boolean;
  malformed: boolean;
  hang: boolean;
}

export interface DemoServicesConfig {
  ports: Record<ServiceName, number>;
  faults: Record<ServiceName, FaultKnobs>;
}

export interface HttpConfig {
  host: string;
  bodyLimitBytes: number;
  /** Budget for one aggregate request, from arrival to answer. */
  aggregateDeadlineMs: number;
  corsOrigins: string[];
}

export interface AppConfig {
  environment: 'development' | 'test' | 'production';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  ports: { mobileBff: number; webBff: number };
  http: HttpConfig;
  services: Record<ServiceName, ServiceConfig>;
  redisUrl: string | undefined;
  auth: AuthConfig;
  demo: DemoServicesConfig;
}
