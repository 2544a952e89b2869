import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sparePort } from './support/node-process.js';

/*
 * `npm start | grep ...`, then Ctrl-C: the shell signals the whole
 * pipeline, the reader goes first, and the launcher is left writing its
 * development log into a pipe nobody reads. It must still shut down at
 * once and quietly, as it does on a terminal.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LAUNCHER = join(ROOT, 'dist', 'src', 'main.js');
const READY_TIMEOUT_MS = 20_000;

type Launcher = ChildProcessByStdio<null, Readable, Readable>;

interface StartedLauncher {
  launcher: Launcher;
  mobileUrl: string;
  stderr: () => string;
}

/** Spare ports can be taken by another process before the launcher binds them: a failed start tries new ones. */
async function startLauncher(attempts = 3): Promise<StartedLauncher> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startLauncherOnce();
    } catch (error) {
      if (attempt >= attempts) {
        throw error;
      }
    }
  }
}

async function startLauncherOnce(): Promise<StartedLauncher> {
  const [mobile, web, user, order, preference] = await Promise.all(
    Array.from({ length: 5 }, () => sparePort()),
  );
  const launcher = spawn(process.execPath, [LAUNCHER], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      MOBILE_BFF_PORT: String(mobile),
      WEB_BFF_PORT: String(web),
      DEMO_USER_PORT: String(user),
      DEMO_ORDER_PORT: String(order),
      DEMO_PREFERENCE_PORT: String(preference),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  launcher.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      launcher.kill('SIGKILL');
      reject(new Error(`not ready in time:\n${output}\n${errors}`));
    }, READY_TIMEOUT_MS);
    launcher.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('ready in')) {
        clearTimeout(timer);
        resolve();
      }
    });
    launcher.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the launcher exited (${code}) before it was ready:\n${output}\n${errors}`));
    });
  });
  return { launcher, mobileUrl: `http://127.0.0.1:${mobile}`, stderr: () => errors };
}

function exited(launcher: Launcher): Promise<number | null> {
  return launcher.exitCode !== null
    ? Promise.resolve(launcher.exitCode)
    : new Promise((resolve) => launcher.once('exit', (code) => resolve(code)));
}

describe('the launcher writing to a pipe', () => {
  let launcher: Launcher | undefined;

  beforeAll(async () => {
    if (!existsSync(LAUNCHER)) {
      await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
    }
  });
  afterAll(() => {
    launcher?.kill('SIGKILL');
  });

  it('keeps serving and shuts down at once on Ctrl-C after the pipe it logs into is gone', async () => {
    const started = await startLauncher();
    launcher = started.launcher;
    launcher.stdout.destroy();
    // Each refusal writes an access line into the broken pipe.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await fetch(`${started.mobileUrl}/mobile/profile`)).status).toBe(401);
    }

    const stoppedAt = performance.now();
    launcher.kill('SIGINT');
    const code = await exited(launcher);

    expect(code).toBe(0);
    expect(performance.now() - stoppedAt).toBeLessThan(5_000);
    expect(started.stderr()).not.toMatch(/Error|flushSync/);
  }, 30_000);
});
