import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { HealthCheck } from '@nestjs/terminus';
import { problemSchema } from '@app/http';
import { z } from 'zod';

/** Each check's result by name: its status, and what the indicator adds (a breaker's state, a connection's). */
const checks = z.record(z.string(), z.object({ status: z.string() }).catchall(z.unknown()));

const reportParts = { info: checks.optional(), error: checks.optional(), details: checks };

const healthyReport = z.object({ status: z.enum(['ok', 'degraded']), ...reportParts });

/** A failed check is an error like any other: a problem, with the report's parts as its extensions. */
const failedReport = problemSchema.extend(reportParts);

const openApi = (schema: z.ZodType): Record<string, unknown> =>
  z.toJSONSchema(schema, { target: 'openapi-3.0' }) as Record<string, unknown>;

/**
 * Terminus's health check without its own OpenAPI answers, which give the
 * 503 Terminus's report: the gateway answers it as a problem
 * (application/problem+json) that carries the report's `info`, `error` and
 * `details`, its `status` the HTTP status.
 */
export function ApiHealthReport(summary: string): MethodDecorator {
  return applyDecorators(
    HealthCheck({ noCache: true, swaggerDocumentation: false }),
    ApiResponse({ status: 200, description: summary, schema: openApi(healthyReport) }),
    ApiResponse({
      status: 503,
      description: 'A check failed',
      content: { 'application/problem+json': { schema: openApi(failedReport) } },
    }),
  );
}
