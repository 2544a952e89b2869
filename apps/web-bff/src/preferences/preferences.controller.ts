import { Body, Controller, Get, Headers, Patch } from '@nestjs/common';
import { RequestDeadline, type Deadline } from '@app/aggregation';
import { CurrentUser, type Caller } from '@app/auth';
import { CacheInvalidator } from '@app/caching';
import { ZodValidationPipe } from '@app/http';
import { PreferenceClient } from '@app/service-clients';
import { preferencesPatchSchema, type PreferencesPatchDto } from './preferences-patch.dto.js';
import { toWebPreferences, type WebPreferences } from './web-preferences.mapper.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

@Controller('web/preferences')
export class PreferencesController {
  constructor(
    private readonly preferences: PreferenceClient,
    private readonly invalidator: CacheInvalidator,
  ) {}

  @Get()
  async read(@CurrentUser() caller: Caller, @RequestDeadline() deadline: Deadline): Promise<WebPreferences> {
    return toWebPreferences(
      await this.preferences.get(caller.id, { signal: deadline.signal, deadlineAt: deadline.at }),
    );
  }

  /** Written through to the preference service; every cached answer of the caller is dropped on every instance. */
  @Patch()
  async update(
    @CurrentUser() caller: Caller,
    @Body(new ZodValidationPipe(preferencesPatchSchema)) patch: PreferencesPatchDto,
    @RequestDeadline() deadline: Deadline,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<WebPreferences> {
    const updated = await this.preferences.update(caller.id, patch, {
      deadlineAt: deadline.at,
      idempotencyKey:
        idempotencyKey !== undefined && IDEMPOTENCY_KEY.test(idempotencyKey) ? idempotencyKey : undefined,
    });
    await this.invalidator.invalidateOwner(caller.id);
    return toWebPreferences(updated);
  }
}
