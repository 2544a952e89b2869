import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository's root, where `npm start` runs. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The launcher `npm start` runs: demo services and both BFFs in one process. */
export const LAUNCHER = join(ROOT, 'dist', 'src', 'main.js');

/** Builds the launcher when a suite runs before any build has. */
export async function buildLauncherIfMissing(): Promise<void> {
  if (!existsSync(LAUNCHER)) {
    await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
  }
}
