import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { tap, type Observable } from 'rxjs';
import { hasAggregateMeta } from './aggregate-meta.js';

/** Says in `X-Response-Complete` what `meta.degraded` says, for clients that only read headers. */
@Injectable()
export class ResponseCompletenessInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      tap((body) => {
        if (hasAggregateMeta(body)) {
          void reply.header('x-response-complete', body.meta.degraded.length === 0 ? 'true' : 'false');
        }
      }),
    );
  }
}
