import type { Paramtype } from '@nestjs/common';
import { ProblemError } from '@app/problem';
import { z } from 'zod';
import { ZodValidationPipe } from './zod-validation.pipe.js';

const preferences = z.strictObject({
  theme: z.enum(['light', 'dark'], { error: 'must be light or dark' }),
  notifications: z.strictObject({ push: z.boolean({ error: 'must be true or false' }) }).partial(),
});

/** What the pipe throws for `value`, read from the request's body unless told otherwise; nothing when it accepts it. */
function thrownFor(value: unknown, schema: z.ZodType, type: Paramtype = 'body'): unknown {
  try {
    new ZodValidationPipe(schema).transform(value, { type });
  } catch (error) {
    return error;
  }
  return undefined;
}

/** The field problems of the 400 the pipe answers `value` with. */
function errorsFor(value: unknown, schema: z.ZodType = preferences, type: Paramtype = 'body'): unknown {
  const problem = thrownFor(value, schema, type);
  expect(problem).toBeInstanceOf(ProblemError);
  expect((problem as ProblemError).status).toBe(400);
  return (problem as ProblemError).extensions?.errors;
}

describe(ZodValidationPipe.name, () => {
  it('names every bad field in one 400, unknown ones included', () => {
    expect(errorsFor({ theme: 'blue', notifications: { push: 'yes' }, colour: 'red' })).toEqual([
      { field: 'theme', message: 'must be light or dark' },
      { field: 'notifications.push', message: 'must be true or false' },
      { field: 'colour', message: 'is not a known field' },
    ]);
  });

  it('names each unknown field on its own, and counts the rest past twenty', () => {
    const strict = z.strictObject({ theme: z.string() }).partial();
    expect(errorsFor({ a: 1, b: 2 }, strict)).toEqual([
      { field: 'a', message: 'is not a known field' },
      { field: 'b', message: 'is not a known field' },
    ]);
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, index) => [`k${index}`, 1]));
    const errors = errorsFor(many, strict) as { field: string; message: string }[];
    expect(errors).toHaveLength(21);
    expect(errors[20]).toEqual({ field: '(body)', message: 'has 4980 more unknown fields' });
  });

  it("cuts an unknown field's long name short, and names an empty one, so the answer stays small and readable", () => {
    const strict = z.strictObject({ theme: z.string() }).partial();
    const long = 'x'.repeat(60_000);

    expect(errorsFor({ [long]: 1, '': 2 }, strict)).toEqual([
      { field: `${'x'.repeat(64)}…`, message: 'is not a known field' },
      { field: '(empty name)', message: 'is not a known field' },
    ]);
    const emoji = `a${'😀'.repeat(40)}`;
    const [cut] = errorsFor({ [emoji]: 1 }, strict) as { field: string }[];
    expect(cut.field).toBe(`a${'😀'.repeat(31)}…`);
    expect(cut.field).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('says what JSON type a field must be in the words of the API, not of zod', () => {
    const loose = z.strictObject({ name: z.string(), size: z.number(), tags: z.array(z.string()) }).partial();

    expect(errorsFor({ name: 5, size: 'big', tags: 'a' }, loose)).toEqual([
      { field: 'name', message: 'must be text' },
      { field: 'size', message: 'must be a number' },
      { field: 'tags', message: 'must be a list' },
    ]);
  });

  it('says a value is missing, or a query parameter given twice, rather than of the wrong type', () => {
    const query = z.strictObject({ key: z.string(), cursor: z.string().optional() });

    expect(errorsFor({ cursor: ['a', 'b'] }, query, 'query')).toEqual([
      { field: 'key', message: 'is required' },
      { field: 'cursor', message: 'must be a single value' },
    ]);
  });

  it('ignores a cache buster (?_=<timestamp>) on a route that refuses other unknown parameters', () => {
    const query = z.strictObject({ cursor: z.string().optional() });

    expect(thrownFor({ _: '1733616000000', cursor: 'c1' }, query, 'query')).toBeUndefined();
    expect(new ZodValidationPipe(query).transform({ _: '1' }, { type: 'query' })).toEqual({});
    expect(errorsFor({ _: '1', colour: 'red' }, query, 'query')).toEqual([
      { field: 'colour', message: 'is not a known field' },
    ]);
  });

  it('names a field once when two of its rules refuse it with the same words', () => {
    const key = z
      .string()
      .regex(/^ip:[0-9.]+$/, { error: 'must be ip:<address>' })
      .refine((value) => !value.includes('/'), { error: 'must be ip:<address>' });

    expect(errorsFor({ key: 'ip:1.2.3.4/24' }, z.strictObject({ key }), 'query')).toEqual([
      { field: 'key', message: 'must be ip:<address>' },
    ]);
  });

  it('says a query parameter was given twice even where its schema words wrong values its own way', () => {
    const query = z.strictObject({
      status: z.enum(['paid', 'shipped'], { error: 'must be one of paid, shipped' }).optional(),
      limit: z.number({ error: 'must be a whole number' }).optional(),
      tags: z.array(z.string()).max(2).optional(),
    });

    expect(
      errorsFor({ status: ['paid', 'paid'], limit: ['5', '5'], tags: ['a', 'b', 'c'] }, query, 'query'),
    ).toEqual([
      { field: 'status', message: 'must be a single value' },
      { field: 'limit', message: 'must be a single value' },
      { field: 'tags', message: 'Too big: expected array to have <=2 items' },
    ]);
  });

  it('says a list in a body is of the wrong JSON type, not a value given twice', () => {
    const body = z.strictObject({ name: z.string() }).partial();

    expect(errorsFor([], body)).toEqual([{ field: '(body)', message: 'must be a JSON object' }]);
    expect(errorsFor({ name: ['a'] }, body)).toEqual([{ field: 'name', message: 'must be text' }]);
  });

  it("keeps a schema's own message for a value of the wrong type", () => {
    const own = z.strictObject({ language: z.string({ error: 'must be a language tag such as en' }) });

    expect(errorsFor({ language: 5 }, own)).toEqual([
      { field: 'language', message: 'must be a language tag such as en' },
    ]);
  });

  it('says a body or a field must be a JSON object in the words of the API, not of zod', () => {
    expect(errorsFor('{"theme":"dark"}')).toEqual([{ field: '(body)', message: 'must be a JSON object' }]);
    expect(errorsFor({ theme: 'dark', notifications: true })).toEqual([
      { field: 'notifications', message: 'must be a JSON object' },
    ]);
  });
});
