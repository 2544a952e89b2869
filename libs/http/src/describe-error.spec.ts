import {
  BadRequestException,
  HttpException,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ProblemError } from '@app/problem';
import { describeError } from './describe-error.js';

describe(describeError.name, () => {
  it('keeps the kind, detail and headers of a ProblemError', () => {
    const error = new ProblemError('unauthorized', 'The access token has expired.', {
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
    expect(describeError(error)).toEqual({
      kind: 'unauthorized',
      detail: 'The access token has expired.',
      extensions: undefined,
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      unexpected: false,
    });
  });

  it('answers an unknown error with a generic 500 that leaks nothing', () => {
    const described = describeError(new Error('connect ECONNREFUSED 10.0.0.7:5432 at Pool.connect'));
    expect(described.kind).toBe('internal');
    expect(described.detail).not.toMatch(/ECONNREFUSED|10\.0\.0\.7/);
    expect(described.unexpected).toBe(true);
  });

  it("tells Fastify's body-size error in its own words", () => {
    const fastifyError = Object.assign(new Error('Request body is too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    const described = describeError(new HttpException(fastifyError.message, 413, { cause: fastifyError }));
    expect(described).toMatchObject({
      kind: 'payload-too-large',
      detail: 'The request body is larger than this gateway accepts.',
      unexpected: false,
    });
  });

  it("tells Fastify's content-type error what to send instead", () => {
    const fastifyError = Object.assign(new Error('Unsupported Media Type: text/plain'), {
      code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
      statusCode: 415,
    });
    const described = describeError(new HttpException(fastifyError.message, 415, { cause: fastifyError }));
    expect(described).toMatchObject({
      kind: 'unsupported-media-type',
      detail: 'The request body has a content type this route does not accept: send application/json.',
    });
  });

  it("keeps a failed health check's report, for the operator reading it", () => {
    const report = {
      status: 'error',
      info: {},
      error: { redis: { status: 'down' } },
      details: { redis: { status: 'down' } },
    };
    const described = describeError(new ServiceUnavailableException(report));
    expect(described).toMatchObject({ kind: 'service-unavailable', extensions: report, unexpected: false });
  });

  it('maps an unmatched route to not-found', () => {
    expect(describeError(new NotFoundException('Cannot GET /nope')).kind).toBe('not-found');
  });

  it('keeps validation messages as a list the client can show', () => {
    const described = describeError(new BadRequestException({ message: ['limit must be at most 50'] }));
    expect(described).toMatchObject({
      kind: 'validation',
      extensions: { errors: ['limit must be at most 50'] },
    });
  });
});
