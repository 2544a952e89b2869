import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Roles } from '@app/auth';
import { CacheInvalidator } from '@app/caching';
import { ZodValidationPipe } from '@app/http';
import { z } from 'zod';

const invalidationSchema = z.strictObject({
  userId: z.string().regex(/^[A-Za-z0-9_.:@-]{1,128}$/, { error: 'must be a user id' }),
});

/** Drops every cached entry of a user, on every instance, for when data changed behind the gateway's back. */
@Controller('admin/cache')
@Roles('admin')
export class CacheAdminController {
  constructor(private readonly invalidator: CacheInvalidator) {}

  @Post('invalidate')
  @HttpCode(200)
  async invalidate(
    @Body(new ZodValidationPipe(invalidationSchema)) body: z.infer<typeof invalidationSchema>,
  ): Promise<{ userId: string; entriesRemoved: number }> {
    return { userId: body.userId, entriesRemoved: await this.invalidator.invalidateOwner(body.userId) };
  }
}
