import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { writeAtTurnEnd } from './write-at-turn-end.js';

describe(writeAtTurnEnd.name, () => {
  let app: FastifyInstance | undefined;

  afterEach(async () => {
    await app?.close();
  });

  async function serve(): Promise<string> {
    app = Fastify();
    writeAtTurnEnd(app);
    app.get('/echo/:n', async (req) => ({ n: Number((req.params as { n: string }).n) }));
    app.get('/text', (_req, reply) => reply.type('text/plain').send('plain text'));
    app.addHook('onSend', (_req, reply, payload, done) => {
      void reply.header('x-after', 'yes');
      done(null, payload);
    });
    return app.listen({ port: 0, host: '127.0.0.1' });
  }

  it('gives every one of many simultaneous requests its own whole answer, with later hooks applied', async () => {
    const url = await serve();
    const answers = await Promise.all(
      Array.from({ length: 50 }, async (_, n) => {
        const response = await request(`${url}/echo/${n}`);
        return {
          n,
          status: response.statusCode,
          after: response.headers['x-after'],
          body: await response.body.json(),
        };
      }),
    );

    for (const answer of answers) {
      expect(answer).toEqual({ n: answer.n, status: 200, after: 'yes', body: { n: answer.n } });
    }
  });

  it('still answers a request that is alone in its turn', async () => {
    const url = await serve();
    const response = await request(`${url}/text`);

    expect(response.statusCode).toBe(200);
    expect(await response.body.text()).toBe('plain text');
  });
});
