import { Injectable, type PipeTransform } from '@nestjs/common';
import { ProblemError } from '@app/problem';
import type { z } from 'zod';

export interface FieldProblem {
  field: string;
  message: string;
}

/** Each failed rule as a field path and a message, e.g. `notifications.push: expected a boolean`. */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return { field: [path, ...issue.keys].filter(Boolean).join('.'), message: 'is not a known field' };
    }
    // zod's own words ("Invalid input: expected object, received string") name its types, not the client's.
    const message =
      issue.code === 'invalid_type' && issue.expected === 'object' ? 'must be a JSON object' : issue.message;
    return { field: path || '(body)', message };
  });
}

/**
 * Validates a request part with a zod schema at the edge; a failure is one
 * 400 problem that names every bad field, never the first alone.
 */
@Injectable()
export class ZodValidationPipe<T> implements PipeTransform<unknown, T> {
  constructor(
    private readonly schema: z.ZodType<T>,
    private readonly what = 'The request body',
  ) {}

  transform(value: unknown): T {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) {
      return parsed.data;
    }
    const errors = fieldProblems(parsed.error);
    throw new ProblemError(
      'validation',
      `${this.what} is not valid: ${errors.map((problem) => `${problem.field} ${problem.message}`).join('; ')}.`,
      { extensions: { errors } },
    );
  }
}
