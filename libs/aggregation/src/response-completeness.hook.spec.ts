import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sayResponseCompleteness } from './response-completeness.hook.js';

const meta = (degraded: string[]) => ({ degraded, sections: {} });

describe('sayResponseCompleteness', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = Fastify();
    // Routes first, as Nest registers them before a module's init hook adds this one.
    app.get('/complete', () => ({ user: {}, meta: meta([]) }));
    app.get('/degraded', () => ({ user: {}, meta: meta(['orders']) }));
    app.get('/plain', () => ({ status: 'ok' }));
    sayResponseCompleteness(app);
    await app.ready();
  });

  afterAll(() => app.close());

  it('tells header-only clients an aggregate is complete', async () => {
    const response = await app.inject('/complete');
    expect(response.headers['x-response-complete']).toBe('true');
    expect(response.json()).toEqual({ user: {}, meta: meta([]) });
  });

  it('tells header-only clients an aggregate lacks a section', async () => {
    expect((await app.inject('/degraded')).headers['x-response-complete']).toBe('false');
  });

  it('leaves answers that are no aggregate without the header', async () => {
    expect((await app.inject('/plain')).headers['x-response-complete']).toBeUndefined();
  });
});
