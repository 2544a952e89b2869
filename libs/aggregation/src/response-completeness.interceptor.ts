import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { tap, type Observable } from 'rxjs';
import { completenessOf } from './aggregate-meta.js';

/**
 * Says in `X-Response-Complete` what `meta.degraded` says, for clients that
 * only read headers. A route whose answers are cached hands on JSON text
 * instead of the body; the response cache sets the header for those.
 */
@Injectable()
export class ResponseCompletenessInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      tap((body) => {
        const complete = completenessOf(body);
        if (complete !== undefined) {
          void reply.header('x-response-complete', complete);
        }
      }),
    );
  }
}
