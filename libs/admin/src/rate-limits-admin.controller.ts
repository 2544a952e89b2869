import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { FailedAttempts, Roles, USER_ID_PATTERN, type AddressStanding } from '@app/auth';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { ProblemError } from '@app/problem';
import { ApiAnswer, ApiQueryOf, ZodValidationPipe } from '@app/http';
import { RateLimitInspector, type CallerStanding } from '@app/throttling';
import { isIP } from 'node:net';
import { z } from 'zod';
import { ApiBearerAuth, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { rateLimitsAnswerSchema } from './admin-answers.js';
import { AdminNetworkGuard } from './admin-network.guard.js';

const KEY_RULE = 'must be user:<id>, consumer:<name> or ip:<address>';

const querySchema = z.strictObject({
  key: z
    .string()
    .regex(/^(user|consumer|ip):[A-Za-z0-9_.:@|-]{1,128}$/, { error: KEY_RULE })
    // An address that is none, or a user id no token could carry, would only ever show an empty window,
    // as if that caller had spent nothing.
    .refine((key) => !key.startsWith('ip:') || isIP(key.slice(3)) !== 0, { error: KEY_RULE })
    .refine((key) => !key.startsWith('user:') || USER_ID_PATTERN.test(key.slice(5)), { error: KEY_RULE })
    .describe('user:<id>, consumer:<name> or ip:<address>'),
});

/** A caller's counters and limits in each window, for an operator answering "why was I throttled?". */
@ApiTags('admin')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('admin/rate-limits')
@Roles('admin')
@UseGuards(AdminNetworkGuard)
export class RateLimitsAdminController {
  private readonly consumers: ReadonlySet<string>;

  constructor(
    private readonly inspector: RateLimitInspector,
    private readonly failures: FailedAttempts,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.consumers = new Set(config.apiKeys.map((consumer) => consumer.name));
  }

  @Get()
  @ApiAnswer(rateLimitsAnswerSchema, {
    summary: "A caller's counters and limits in each window",
    problems: ['validation', 'forbidden', 'not-found'],
  })
  @ApiQueryOf(querySchema)
  async rateLimits(
    @Query(new ZodValidationPipe(querySchema, 'The query')) query: z.infer<typeof querySchema>,
  ): Promise<{ key: string; authFailures?: AddressStanding } & CallerStanding> {
    // A mistyped name would show the users' limits, which apply to no consumer.
    if (query.key.startsWith('consumer:') && !this.consumers.has(query.key.slice(9))) {
      throw new ProblemError('not-found', 'No API-key consumer of that name is configured.');
    }
    const standing = await this.inspector.inspect(query.key);
    // An address is throttled only for failing to authenticate: the reason an operator looks one up.
    const authFailures = query.key.startsWith('ip:') ? this.failures.standing(query.key.slice(3)) : undefined;
    return { key: query.key, ...standing, ...(authFailures === undefined ? {} : { authFailures }) };
  }
}
