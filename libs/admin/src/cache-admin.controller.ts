import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { Roles, USER_ID_PATTERN } from '@app/auth';
import { CacheInvalidator } from '@app/caching';
import { ApiAnswer, ZodValidationPipe } from '@app/http';
import { z } from 'zod';
import { ApiBearerAuth, ApiBody, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { cacheInvalidationAnswerSchema } from './admin-answers.js';
import { AdminNetworkGuard } from './admin-network.guard.js';

const invalidationSchema = z.strictObject({
  userId: z.string().regex(USER_ID_PATTERN, { error: 'must be a user id' }),
});

/** Drops every cached entry of a user, on every instance, for when data changed behind the gateway's back. */
@ApiTags('admin')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('admin/cache')
@Roles('admin')
@UseGuards(AdminNetworkGuard)
export class CacheAdminController {
  constructor(private readonly invalidator: CacheInvalidator) {}

  @Post('invalidate')
  @ApiAnswer(cacheInvalidationAnswerSchema, {
    summary: "Drops a user's cached entries on every instance",
    problems: ['validation', 'payload-too-large', 'unsupported-media-type', 'forbidden'],
  })
  @ApiBody({
    schema: z.toJSONSchema(invalidationSchema, { target: 'openapi-3.0' }) as Record<string, unknown>,
  })
  async invalidate(
    @Body(new ZodValidationPipe(invalidationSchema)) body: z.infer<typeof invalidationSchema>,
  ): Promise<{ userId: string; entriesRemoved: number }> {
    return { userId: body.userId, entriesRemoved: await this.invalidator.removeOwner(body.userId) };
  }
}
