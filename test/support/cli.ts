import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * One of the project's command-line helpers (`npm run token`, `npm run
 * api-key`) from its build, as a developer runs it, with no environment but
 * PATH: its exit code and what it printed. Builds the project first if the
 * helper is not built.
 */
export function cliOf(script: 'token' | 'api-key'): (args: string[]) => Promise<CliRun> {
  const path = join(ROOT, 'dist', 'src', `${script}.js`);
  return async (args) => {
    if (!existsSync(path)) {
      await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
    }
    return promisify(execFile)(process.execPath, [path, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: error.code ?? -1,
        stdout: error.stdout ?? '',
        stderr: error.stderr ?? '',
      }),
    );
  };
}
