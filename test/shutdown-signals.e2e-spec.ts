import { setTimeout as sleep } from 'node:timers/promises';
import { buildLauncherIfMissing, startLauncher } from './support/launcher.js';
import type { NodeProcess } from './support/node-process.js';
import { bearer, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from './support/tokens.js';

/*
 * An orchestrator that sends SIGTERM again, or a developer pressing Ctrl-C
 * twice, while the gateway drains: the requests the first signal let run
 * must still finish, and the process still exit cleanly.
 */

describe('a second signal while the gateway drains', () => {
  let launcher: NodeProcess | undefined;

  beforeAll(buildLauncherIfMissing);
  afterAll(() => launcher?.stop('SIGKILL'));

  it.each<NodeJS.Signals>(['SIGTERM', 'SIGINT'])(
    'lets the request in flight finish after %s twice, and exits cleanly',
    async (signal) => {
      launcher = await startLauncher({
        JWT_SECRET: TEST_JWT_SECRET,
        JWT_ISSUER: TEST_ISSUER,
        JWT_AUDIENCE: TEST_AUDIENCE,
        DEMO_USER_LATENCY_MS: '1500',
        UPSTREAM_TIMEOUT_MS: '6000',
        AGGREGATE_DEADLINE_MS: '6000',
        SHUTDOWN_GRACE_MS: '0',
        SHUTDOWN_DRAIN_MS: '5000',
      });
      const slow = fetch(`http://127.0.0.1:${launcher.ports[0]}/mobile/profile`, { headers: bearer('u1') });
      await sleep(300);

      process.kill(launcher.pid, signal);
      await sleep(100);
      process.kill(launcher.pid, signal);

      expect((await slow).status).toBe(200);
      await launcher.stop(signal, 5_000);
      expect(launcher.exitCode()).toBe(0);
      expect(launcher.output()).toContain(`${signal} received again: still closing`);
    },
  );
});

describe('a request still running when the drain ends', () => {
  let launcher: NodeProcess | undefined;

  beforeAll(buildLauncherIfMissing);
  afterAll(() => launcher?.stop('SIGKILL'));

  it('is answered 503, a problem that says to send it again, rather than left with a dropped connection', async () => {
    launcher = await startLauncher({
      JWT_SECRET: TEST_JWT_SECRET,
      JWT_ISSUER: TEST_ISSUER,
      JWT_AUDIENCE: TEST_AUDIENCE,
      DEMO_USER_LATENCY_MS: '3000',
      UPSTREAM_TIMEOUT_MS: '6000',
      AGGREGATE_DEADLINE_MS: '6000',
      SHUTDOWN_GRACE_MS: '0',
      SHUTDOWN_DRAIN_MS: '300',
    });
    const slow = fetch(`http://127.0.0.1:${launcher.ports[0]}/mobile/profile`, { headers: bearer('u1') });
    await sleep(300);

    process.kill(launcher.pid, 'SIGTERM');

    const answer = await slow;
    expect(answer.status).toBe(503);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(((await answer.json()) as { detail: string }).detail).toMatch(/shutting down/);
    await launcher.stop('SIGTERM', 5_000);
    expect(launcher.exitCode()).toBe(0);
    expect(launcher.output()).toContain('answering them 503');
  });
});
