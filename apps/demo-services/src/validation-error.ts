import type { z } from 'zod';

/** One line per problem, `field: rule`, so a client fixes every field in one round. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .join('; ');
}
