import { passThroughPaths } from './pass-through-paths.js';

describe(passThroughPaths.name, () => {
  const paths = passThroughPaths([
    { app: 'web', prefix: '/web/api/x/', service: 'order', upstreamPrefix: '/x/', methods: ['GET', 'POST'] },
  ]);
  const responsesOf = (method: string): string[] =>
    Object.keys((paths['/web/api/x/{path}'][method] as { responses: object }).responses);

  it('lists the 415 a relayed write answers for a body it cannot take, and not on a read', () => {
    expect(responsesOf('post')).toContain('415');
    expect(responsesOf('get')).not.toContain('415');
  });

  it('lists the statuses a relay passes on from its service', () => {
    expect(responsesOf('post')).toEqual(
      expect.arrayContaining(['201', '202', '203', '204', '410', '412', '413']),
    );
  });
});
