import { ProblemError } from '@app/problem';
import { z } from 'zod';
import { ZodValidationPipe } from './zod-validation.pipe.js';

const schema = z.strictObject({
  theme: z.enum(['light', 'dark'], { error: 'must be light or dark' }),
  notifications: z.strictObject({ push: z.boolean({ error: 'must be true or false' }) }).partial(),
});

function problemFor(value: unknown): ProblemError {
  try {
    new ZodValidationPipe(schema).transform(value);
  } catch (error) {
    return error as ProblemError;
  }
  throw new Error('the value was accepted');
}

describe(ZodValidationPipe.name, () => {
  it('names every bad field in one 400, unknown ones included', () => {
    const problem = problemFor({ theme: 'blue', notifications: { push: 'yes' }, colour: 'red' });

    expect(problem.status).toBe(400);
    expect(problem.extensions?.errors).toEqual([
      { field: 'theme', message: 'must be light or dark' },
      { field: 'notifications.push', message: 'must be true or false' },
      { field: 'colour', message: 'is not a known field' },
    ]);
  });

  it('says a body or a field must be a JSON object in the words of the API, not of zod', () => {
    expect(problemFor('{"theme":"dark"}').extensions?.errors).toEqual([
      { field: '(body)', message: 'must be a JSON object' },
    ]);
    expect(problemFor({ theme: 'dark', notifications: true }).extensions?.errors).toEqual([
      { field: 'notifications', message: 'must be a JSON object' },
    ]);
  });
});
