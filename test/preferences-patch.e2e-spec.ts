import { expectProblem } from './support/problem.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer, mintToken } from './support/tokens.js';

/*
 * The gateway checks a change's shape; the preference service, which owns
 * the data, has the last word on its values. A language tag the gateway's
 * looser rule lets through is one the demo service refuses.
 */
const REFUSED_BY_THE_SERVICE = { language: 'xx-YY-ZZZZ' };

describe('PATCH /web/preferences refused by the preference service', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  const patch = (userId: string, body: unknown): Promise<Response> =>
    fetch(`${stack.webUrl}/web/preferences`, {
      method: 'PATCH',
      headers: { ...bearer(userId), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it("answers 422 saying the service did not accept the change, not a 502 blaming the service, and keeps the service's reasons to itself", async () => {
    const problem = await expectProblem(await patch('u5', REFUSED_BY_THE_SERVICE), 422);

    expect(problem.type).toBe('https://bff-gateway.dev/problems/unprocessable');
    expect(problem.detail).toBe('The preference service did not accept this change.');
    expect(JSON.stringify(problem)).not.toContain('language tag');
  });

  it('changes nothing, and leaves the service in rotation, however many changes it refuses', async () => {
    const before = (await (
      await fetch(`${stack.webUrl}/web/preferences`, { headers: bearer('u6') })
    ).json()) as {
      language: string;
    };
    for (let attempt = 0; attempt < 8; attempt += 1) {
      expect((await patch('u6', REFUSED_BY_THE_SERVICE)).status).toBe(422);
    }

    const after = await fetch(`${stack.webUrl}/web/preferences`, { headers: bearer('u6') });
    expect(after.status).toBe(200);
    expect(((await after.json()) as { language: string }).language).toBe(before.language);
    const services = (await (
      await fetch(`${stack.webUrl}/admin/services`, {
        headers: { authorization: `Bearer ${mintToken({ sub: 'ops', roles: ['admin'] })}` },
      })
    ).json()) as { services: { service: string; breaker: string }[] };
    expect(services.services.find((service) => service.service === 'preference')?.breaker).toBe('closed');
  });

  it('still writes a change the service accepts', async () => {
    const response = await patch('u7', { language: 'pt-BR' });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { language: string }).language).toBe('pt-BR');
  });
});
