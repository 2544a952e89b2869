import { withoutPort } from '@app/auth';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { ProblemError } from '@app/problem';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { addressAllowlist } from './address-allowlist.js';

/**
 * Admin routes answer only callers from ADMIN_ALLOWED_IPS, when it is set:
 * an admin token or key that leaks is then of no use outside the operators'
 * network. The address is Fastify's `request.ip`, which believes
 * X-Forwarded-For only from TRUSTED_PROXIES, so a client cannot name
 * itself an allowed address; without the port some proxies write beside
 * it, as the throttler and the failed-attempt count read it. Runs after
 * authentication, like every route-level guard.
 */
@Injectable()
export class AdminNetworkGuard implements CanActivate {
  private readonly allowed: (address: string) => boolean;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.allowed = addressAllowlist(config.admin.allowedIps);
  }

  canActivate(context: ExecutionContext): boolean {
    const { ip } = context.switchToHttp().getRequest<FastifyRequest>();
    if (!this.allowed(withoutPort(ip))) {
      throw new ProblemError('forbidden', 'Admin routes are not served to this address.');
    }
    return true;
  }
}
