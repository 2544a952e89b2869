import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { answering, startNodeProcess, type NodeProcess } from './support/node-process.js';

/*
 * `npm start | grep ...`, then Ctrl-C: the shell signals the whole
 * pipeline, the reader goes first, and the launcher is left writing its
 * development log into a pipe nobody reads. It must still shut down at
 * once and quietly, as it does on a terminal.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LAUNCHER = join(ROOT, 'dist', 'src', 'main.js');
/** Past this, `stop` kills the launcher, whose exit code is then no longer 0. */
const PROMPT_EXIT_MS = 5_000;

describe('the launcher writing to a pipe', () => {
  let launcher: NodeProcess | undefined;

  beforeAll(async () => {
    if (!existsSync(LAUNCHER)) {
      await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
    }
  });
  afterAll(() => launcher?.stop('SIGKILL'));

  it('keeps serving and shuts down at once on Ctrl-C after the pipe it logs into is gone', async () => {
    launcher = await startNodeProcess({
      name: 'launcher',
      script: LAUNCHER,
      cwd: ROOT,
      portCount: 5,
      env: ([mobile, web, user, order, preference]) => ({
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        MOBILE_BFF_PORT: String(mobile),
        WEB_BFF_PORT: String(web),
        DEMO_USER_PORT: String(user),
        DEMO_ORDER_PORT: String(order),
        DEMO_PREFERENCE_PORT: String(preference),
      }),
      // The two BFFs' ports come first.
      isReady: answering('/health/live', 2),
    });
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
