import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { httpRequestOf, perRoute } from '@app/route-metadata';
import { isCaller } from './caller.js';
import { REQUIRED_ROLES } from './roles.decorator.js';
import { missingRolesProblem } from './unauthorized-problem.js';

/** Global guard, after JwtAuthGuard: a route marked @Roles(...) needs every listed role. */
@Injectable()
export class RolesGuard implements CanActivate {
  // Merged, not overridden: a handler's roles add to its controller's, they never relax them.
  private readonly requiredRoles = perRoute((handler, controller) =>
    this.reflector.getAllAndMerge<string[]>(REQUIRED_ROLES, [handler, controller]),
  );

  constructor(@Inject(Reflector) private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.requiredRoles(context);
    if (required.length === 0) {
      return true;
    }
    const { user } = httpRequestOf<{ user?: unknown }>(context);
    const caller = isCaller(user) ? user : undefined;
    const held = caller?.roles ?? [];
    const missing = required.filter((role) => !held.includes(role));
    if (missing.length > 0) {
      const noun = missing.length === 1 ? 'role' : 'roles';
      throw missingRolesProblem(`This action requires the ${noun} ${missing.join(', ')}`, caller);
    }
    return true;
  }
}
