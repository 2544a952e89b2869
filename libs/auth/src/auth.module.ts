import { APP_CONFIG, type AppConfig } from '@app/config';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FailedAttempts } from './failed-attempts.js';
import { JwksKeyStore } from './jwks-key-store.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { JwtStrategy } from './jwt.strategy.js';
import { RolesGuard } from './roles.guard.js';

/**
 * Import once per app. Every route then needs a valid Bearer token, or an
 * `X-API-Key` of a consumer configured in API_KEYS, unless it is @Public();
 * @Roles(...) is enforced for users and consumers alike. Relies on the
 * global APP_CONFIG provider.
 */
@Module({
  providers: [
    {
      provide: JwksKeyStore,
      inject: [APP_CONFIG],
      // Only a JWKS configuration has keys to fetch; the strategy receives null otherwise.
      useFactory: (config: AppConfig): JwksKeyStore | null =>
        config.auth.key.kind === 'jwks' ? new JwksKeyStore(config.auth.key) : null,
    },
    {
      provide: FailedAttempts,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): FailedAttempts => new FailedAttempts(config.auth.failedAttempts),
    },
    JwtStrategy,
    // Guards run in the order they are provided: who is calling, then what they may do.
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  // For readiness: an instance holding no signing key can verify no token. For the admin view of an address.
  exports: [JwksKeyStore, FailedAttempts],
})
export class AuthModule {}
