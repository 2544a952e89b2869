import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { JwksKeyStore } from '@app/auth';

/**
 * With JWT_JWKS_URL, down until the first signing key has been fetched: an
 * instance holding none answers every user 503, so it should get no traffic
 * while instances that hold keys (kept through a JWKS outage) serve. Always
 * up with a key of its own (JWT_SECRET, JWT_PUBLIC_KEY).
 */
@Injectable()
export class SigningKeysHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(JwksKeyStore) private readonly jwks: JwksKeyStore | null,
  ) {}

  check(): HealthIndicatorResult {
    const session = this.indicators.check('signing-keys');
    if (this.jwks === null) {
      return session.up({ source: 'configured' });
    }
    return this.jwks.hasKeys ? session.up({ source: 'jwks' }) : session.down({ source: 'jwks', keys: 0 });
  }
}
