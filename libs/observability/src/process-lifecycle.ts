/**
 * Whether this process is shutting down. One per process, not per app: a
 * SIGTERM ends every app the process runs, and each app's readiness must
 * turn at that very moment, before anything closes.
 */
export class ProcessLifecycle {
  private draining = false;

  get shuttingDown(): boolean {
    return this.draining;
  }

  beginShutdown(): void {
    this.draining = true;
  }
}

export const processLifecycle = new ProcessLifecycle();
