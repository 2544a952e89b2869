import type { AppConfig } from './app-config.js';
import { DEVELOPMENT_SECRET_WARNING } from './development-secret.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * What an operator is warned of at start: settings the gateway runs with
 * but that leave it open to forged tokens. Warned rather than refused where
 * a deployment may have its reasons (an identity provider reached over
 * plain http inside a trusted network).
 */
export function configWarnings(config: AppConfig): string[] {
  const key = config.auth.key;
  if (key.kind === 'secret' && key.isDevelopmentSecret) {
    return [DEVELOPMENT_SECRET_WARNING];
  }
  if (key.kind === 'jwks' && config.environment === 'production') {
    const url = new URL(key.url);
    if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
      return [
        'JWT_JWKS_URL is plain http: anyone on the path to the identity provider can publish a key and sign any token the gateway will accept. Serve the JWKS over https.',
      ];
    }
  }
  return [];
}
