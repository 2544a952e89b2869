import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { buildLauncherIfMissing, LAUNCHER, launcherEnv, ROOT, startLauncher } from './support/launcher.js';
import { sparePort, type NodeProcess } from './support/node-process.js';

/*
 * `npm start | grep ...`, then Ctrl-C: the shell signals the whole
 * pipeline, the reader goes first, and the launcher is left writing its
 * development log into a pipe nobody reads. It must still shut down at
 * once and quietly, as it does on a terminal.
 */

/** Past this, `stop` kills the launcher, whose exit code is then no longer 0. */
const PROMPT_EXIT_MS = 5_000;

describe('the launcher writing to a pipe', () => {
  let launcher: NodeProcess | undefined;

  beforeAll(buildLauncherIfMissing);
  afterAll(() => launcher?.stop('SIGKILL'));

  it('keeps serving and shuts down at once on Ctrl-C after the pipe it logs into is gone', async () => {
    launcher = await startLauncher({ NODE_ENV: 'development' });
    const mobileUrl = `http://127.0.0.1:${launcher.ports[0]}`;
    launcher.closeStdout();
    const outputBefore = launcher.output().length;
    // Each refusal writes an access line into the broken pipe.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await fetch(`${mobileUrl}/mobile/profile`)).status).toBe(401);
    }

    const stoppedAt = performance.now();
    await launcher.stop('SIGINT', PROMPT_EXIT_MS);

    expect(launcher.exitCode()).toBe(0);
    expect(performance.now() - stoppedAt).toBeLessThan(PROMPT_EXIT_MS);
    // Only stderr is read now: a stack trace or pino's flush error would show here.
    expect(launcher.output().slice(outputBefore)).not.toMatch(/Error|flushSync/);
  }, 30_000);
});

/** Runs the launcher, expected to give up at start: its exit code and what it wrote to stderr. */
function launcherUntilItExits(
  env: Record<string, string>,
): Promise<{ code: number | undefined; stderr: string }> {
  return promisify(execFile)(process.execPath, [LAUNCHER], { cwd: ROOT, env, timeout: 15_000 }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? '' }),
  );
}

describe('the launcher on a port another process holds', () => {
  it('says in one line which address it cannot listen on and what to do, and exits 1', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as AddressInfo).port;
    try {
      const [web, user, order, preference] = await Promise.all([1, 2, 3, 4].map(() => sparePort()));
      const result = await launcherUntilItExits(launcherEnv([taken, web, user, order, preference]));

      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `cannot listen on 127.0.0.1:${taken} (EADDRINUSE): another process holds that port`,
      );
      expect(result.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

describe('the launcher told to listen on a host name that does not resolve', () => {
  it('says in one line to check HOST, with no stack trace, and exits 1', async () => {
    const ports = await Promise.all([1, 2, 3, 4, 5].map(() => sparePort()));
    const result = await launcherUntilItExits(launcherEnv(ports, { HOST: 'nowhere.invalid' }));

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /cannot listen on nowhere\.invalid \((ENOTFOUND|EAI_AGAIN)\): .*check HOST/,
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('the launcher told to listen twice on one port', () => {
  beforeAll(buildLauncherIfMissing);

  it('names the variables that share it among its configuration problems, before anything listens, and exits 1', async () => {
    const [mobile, web, order, preference] = await Promise.all([1, 2, 3, 4].map(() => sparePort()));
    const result = await launcherUntilItExits(
      launcherEnv([mobile, web, web, order, preference], { LOG_LEVEL: 'loud' }),
    );

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('LOG_LEVEL: must be one of');
    expect(result.stderr).toContain(
      'WEB_BFF_PORT, DEMO_USER_PORT: must be different ports, since one process listens on each of them',
    );
    expect(result.stderr).not.toContain('EADDRINUSE');
  });
});
