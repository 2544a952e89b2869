import { SetMetadata } from '@nestjs/common';

export const THROTTLE_COST = 'throttling:cost';

/** How many units of the caller's limits one request to this route spends: an aggregate fanning out to three services may cost three. */
export const ThrottleCost = (units: number): MethodDecorator & ClassDecorator =>
  SetMetadata(THROTTLE_COST, units);
