import { SetMetadata, type CustomDecorator } from '@nestjs/common';

export const PUBLIC_ROUTE = 'auth:public';

/** Lets a route (or every route of a controller) through without a token. */
export const Public = (): CustomDecorator<string> => SetMetadata(PUBLIC_ROUTE, true);
