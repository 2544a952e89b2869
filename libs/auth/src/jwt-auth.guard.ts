import { Inject, Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Observable } from 'rxjs';
import { isCaller } from './caller.js';
import { PUBLIC_ROUTE } from './public.decorator.js';
import { invalidTokenReason, unauthorizedProblem } from './unauthorized-problem.js';

/**
 * Global guard: a public route passes; otherwise passport-jwt extracts and
 * verifies the Bearer token (see JwtStrategy); a refusal becomes the 401
 * problem with a WWW-Authenticate challenge.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  private readonly logger = new Logger(JwtAuthGuard.name);

  constructor(@Inject(Reflector) private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> | Observable<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic === true) {
      return true;
    }
    return super.canActivate(context);
  }

  /** passport hands over either an error (thrown by our validate) or a failure `info` (from passport-jwt). */
  override handleRequest<TUser>(error: unknown, user: unknown, info: unknown): TUser {
    if (!error && isCaller(user)) {
      return user as TUser;
    }
    const failure = error ?? info;
    const reason = invalidTokenReason(failure);
    if (reason === undefined && error) {
      // Not a token problem but a fault of ours: let the global filter answer 500 and log it.
      throw error;
    }
    this.logger.debug(`Access token refused: ${reason ?? 'invalid'}`);
    throw unauthorizedProblem(reason ?? 'invalid');
  }
}
