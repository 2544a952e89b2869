import { Body, Controller, Get, Headers, Patch } from '@nestjs/common';
import { RequestDeadline, type Deadline } from '@app/aggregation';
import { CurrentUser, type Caller } from '@app/auth';
import { CacheInvalidator, IdempotentReplay } from '@app/caching';
import { ProblemError } from '@app/problem';
import { ApiAnswer, ZodValidationPipe } from '@app/http';
import { PreferenceClient, writeMayHaveLanded } from '@app/service-clients';
import { preferencesPatchSchema, type PreferencesPatchDto } from './preferences-patch.dto.js';
import { webPreferencesSchema, type WebPreferences } from './web-preferences.js';
import { toWebPreferences } from './web-preferences.mapper.js';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * RFC 9110 §13.1: a write whose condition is false is not made. The
 * preferences always exist and carry no entity tag, so `If-Match` holds
 * only as `*`, and `If-None-Match: *` never does; a client relying on
 * either to avoid a lost update is told so (412) rather than written over.
 */
function refuseUnmetConditions(ifMatch: string | undefined, ifNoneMatch: string | undefined): void {
  if (ifMatch !== undefined && ifMatch.trim() !== '*') {
    throw new ProblemError(
      'precondition-failed',
      'The preferences carry no entity tag, so If-Match can name none of them: send the change without it, or with If-Match: *.',
    );
  }
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() === '*') {
    throw new ProblemError(
      'precondition-failed',
      'The preferences exist, so If-None-Match: * does not hold.',
    );
  }
}

@ApiTags('preferences')
@ApiBearerAuth()
@Controller('web/preferences')
export class PreferencesController {
  constructor(
    private readonly preferences: PreferenceClient,
    private readonly invalidator: CacheInvalidator,
    private readonly replay: IdempotentReplay,
  ) {}

  @Get()
  @ApiAnswer(webPreferencesSchema, {
    staleOnError: 'age',
    summary: "The caller's preferences",
    problems: ['forbidden', 'not-found', 'bad-gateway', 'service-unavailable', 'gateway-timeout'],
  })
  async read(@CurrentUser() caller: Caller, @RequestDeadline() deadline: Deadline): Promise<WebPreferences> {
    return toWebPreferences(await this.preferences.get(caller.id, deadline.callOptions));
  }

  /**
   * Written through to the preference service; every cached answer of the
   * caller is dropped on every instance. With an Idempotency-Key the write
   * may be retried upstream, and a repeat of the request is answered with
   * the first answer instead of writing again.
   */
  @Patch()
  @ApiAnswer(webPreferencesSchema, {
    summary: 'Changes some preferences; unknown fields and wrong values are refused, naming each',
    problems: [
      'validation',
      'payload-too-large',
      'unsupported-media-type',
      'forbidden',
      'not-found',
      'conflict',
      'precondition-failed',
      'unprocessable',
      'bad-gateway',
      'service-unavailable',
      'gateway-timeout',
    ],
  })
  @ApiBody({
    schema: z.toJSONSchema(preferencesPatchSchema, { target: 'openapi-3.0' }) as Record<string, unknown>,
  })
  // Named as the parameter below is read, so this replaces the required header Swagger would infer from it.
  @ApiHeader({
    name: 'idempotency-key',
    required: false,
    description:
      '1 to 128 letters, digits or . _ : -; a repeat of the request with the same key gets the first answer without a second write',
  })
  @ApiHeader({
    name: 'if-match',
    required: false,
    description:
      'Only `*`: the preferences carry no entity tag, so any other value is a 412 and nothing is written',
  })
  @ApiHeader({
    name: 'if-none-match',
    required: false,
    description: '`*` is a 412: the preferences always exist',
  })
  async update(
    @CurrentUser() caller: Caller,
    @Body(new ZodValidationPipe(preferencesPatchSchema)) patch: PreferencesPatchDto,
    @RequestDeadline() deadline: Deadline,
    @Headers('idempotency-key') idempotencyKey?: string,
    @Headers('if-match') ifMatch?: string,
    @Headers('if-none-match') ifNoneMatch?: string,
  ): Promise<WebPreferences> {
    refuseUnmetConditions(ifMatch, ifNoneMatch);
    const write = async (key: string | undefined): Promise<WebPreferences> => {
      const changed = await this.invalidator.change(
        caller.id,
        () =>
          this.preferences.update(caller.id, patch, {
            deadlineAt: deadline.at,
            context: deadline.context,
            idempotencyKey: key,
          }),
        writeMayHaveLanded,
      );
      return toWebPreferences(changed);
    };
    if (idempotencyKey === undefined) {
      return write(undefined);
    }
    if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ProblemError(
        'validation',
        'The Idempotency-Key header must be 1 to 128 letters, digits or . _ : -',
        {
          extensions: {
            errors: [{ field: 'Idempotency-Key', message: 'must be 1 to 128 letters, digits or . _ : -' }],
          },
        },
      );
    }
    return this.replay.run(caller.id, idempotencyKey, patch, deadline.remainingMs(), () =>
      write(idempotencyKey),
    );
  }
}
