import { SetMetadata, type CustomDecorator } from '@nestjs/common';

export const REQUIRED_ROLES = 'auth:roles';

/** The caller must hold every listed role; on a controller and a handler, both lists apply. */
export const Roles = (...roles: string[]): CustomDecorator<string> => SetMetadata(REQUIRED_ROLES, roles);
