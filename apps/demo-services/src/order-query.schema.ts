import { z } from 'zod';
import { USER_ID_PATTERN } from './demo-ids.js';
import { decodeOrderCursor } from './order-cursor.js';
import { ORDER_STATUSES } from './order-data.js';

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;
const LIMIT_RULE = `must be an integer from 1 to ${MAX_PAGE_SIZE}`;
const CURSOR_RULE = 'must be a cursor from a previous page';

/** The query of `GET /orders`; a repeated parameter arrives as an array and is rejected like any wrong type. */
export const orderQuerySchema = z
  .object({
    userId: z
      .string({ error: 'is required, one user id' })
      .regex(USER_ID_PATTERN, { error: 'is not a user id' }),
    limit: z
      .string({ error: LIMIT_RULE })
      .regex(/^[0-9]{1,3}$/, { error: LIMIT_RULE })
      .transform(Number)
      .pipe(z.number().min(1, { error: LIMIT_RULE }).max(MAX_PAGE_SIZE, { error: LIMIT_RULE }))
      .default(DEFAULT_PAGE_SIZE),
    cursor: z.string({ error: CURSOR_RULE }).optional(),
    status: z.enum(ORDER_STATUSES, { error: `must be one of ${ORDER_STATUSES.join(', ')}` }).optional(),
  })
  .transform(({ cursor, ...query }, context) => {
    if (cursor === undefined) {
      return { ...query, cursor: undefined };
    }
    // A cursor continues the list it was issued for: this user's, with this status filter.
    const position = decodeOrderCursor(cursor, { userId: query.userId, status: query.status });
    if (position === undefined) {
      context.addIssue({ code: 'custom', path: ['cursor'], message: CURSOR_RULE });
      return z.NEVER;
    }
    return { ...query, cursor: position };
  });
