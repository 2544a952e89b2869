import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { ProblemError } from '@app/problem';
import type { z } from 'zod';

export interface FieldProblem {
  field: string;
  message: string;
}

const EXPECTED_IN_JSON: Partial<Record<string, string>> = {
  object: 'must be a JSON object',
  array: 'must be a list',
  string: 'must be text',
  number: 'must be a number',
  boolean: 'must be true or false',
};

/*
 * A missing value or one of the wrong JSON type, in the API's words: zod's
 * own ("Invalid input: expected string, received array") name its types.
 * Given to the parse, it yields to any message a schema gives itself;
 * undefined leaves zod's. A list where one value belongs is a list of the
 * wrong JSON type in a body; in a query it is a parameter given twice,
 * which {@link givenTwiceInWords} says over whatever words were chosen here.
 */
function inApiWords(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type') {
    return undefined;
  }
  return issue.input === undefined ? 'is required' : EXPECTED_IN_JSON[issue.expected];
}

/** Unknown fields named one by one in a 400; a body of thousands of them gets a short answer all the same. */
const MAX_UNKNOWN_FIELDS_NAMED = 20;

/** Past this, an unknown field's name is cut: a 60 KB name would otherwise come back twice in the answer. */
const MAX_FIELD_NAME_SHOWN = 64;

/** An unknown field's name as the answer shows it: cut when long, and named even when empty. */
function shownName(key: string): string {
  if (key.length === 0) {
    return '(empty name)';
  }
  if (key.length <= MAX_FIELD_NAME_SHOWN) {
    return key;
  }
  // Never half of a surrogate pair (an emoji): a lone one is not valid Unicode, and strict JSON parsers refuse it.
  const cut = key.slice(0, MAX_FIELD_NAME_SHOWN);
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

/** Each failed rule as a field path and a message, e.g. `notifications.push: expected a boolean`. */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  const problems = error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      // One entry per unknown field: `{"a":1,"b":2}` has fields a and b, not a nested a.b. A few name the rest.
      const named = issue.keys.slice(0, MAX_UNKNOWN_FIELDS_NAMED).map((key) => ({
        field: path === '' ? shownName(key) : `${path}.${shownName(key)}`,
        message: 'is not a known field',
      }));
      const unnamed = issue.keys.length - named.length;
      return unnamed > 0
        ? [...named, { field: path || '(body)', message: `has ${unnamed} more unknown fields` }]
        : named;
    }
    return [{ field: path || '(body)', message: issue.message }];
  });
  // One rule broken two ways (a pattern and a refinement of one field) is told once.
  const told = new Set<string>();
  return problems.filter(({ field, message }) => {
    const key = `${field}\n${message}`;
    if (told.has(key)) {
      return false;
    }
    told.add(key);
    return true;
  });
}

/** The cache buster jQuery's `cache: false` and many fetch wrappers add (`?_=<timestamp>`): asks for nothing. */
const CACHE_BUSTER = '_';

/**
 * A query as the route reads it: without its empty parameters (`?cursor=`
 * is how many clients send a first page's null cursor, and means what
 * leaving it out means, for any parameter: one the route does not know is
 * no request for anything) and without a cache buster, which every route
 * ignores alike.
 */
function queryAsMeant(query: unknown): unknown {
  if (
    typeof query !== 'object' ||
    query === null ||
    (!(CACHE_BUSTER in query) && !Object.values(query).includes(''))
  ) {
    return query;
  }
  return Object.fromEntries(
    Object.entries(query).filter(([name, value]) => value !== '' && name !== CACHE_BUSTER),
  );
}

/**
 * A query field given twice arrives as a list, which a schema of its own
 * words (an enum's "must be one of", a number's range) would describe as a
 * wrong value, telling the client that `status=paid&status=paid` holds an
 * unknown status: its issues say it was given twice instead. Issues about
 * a list's length or items are left alone, for a field that takes a list.
 */
function givenTwiceInWords(error: z.ZodError, query: unknown): z.ZodError {
  const fields = query as Record<string, unknown> | null;
  for (const issue of error.issues) {
    const [field] = issue.path;
    if (
      issue.path.length === 1 &&
      typeof field === 'string' &&
      Array.isArray(fields?.[field]) &&
      issue.code !== 'too_big' &&
      issue.code !== 'too_small'
    ) {
      // The error is this parse's own, made for this answer alone.
      (issue as { message: string }).message = 'must be a single value';
    }
  }
  return error;
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

  transform(value: unknown, metadata?: ArgumentMetadata): T {
    const inQuery = metadata?.type === 'query';
    const parsed = this.schema.safeParse(inQuery ? queryAsMeant(value) : value, {
      error: inApiWords,
    });
    if (parsed.success) {
      return parsed.data;
    }
    const errors = fieldProblems(inQuery ? givenTwiceInWords(parsed.error, value) : parsed.error);
    throw new ProblemError(
      'validation',
      `${this.what} is not valid: ${errors.map((problem) => `${problem.field} ${problem.message}`).join('; ')}.`,
      { extensions: { errors } },
    );
  }
}
