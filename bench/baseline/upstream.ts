import { Pool } from 'undici';

/** An upstream answered something other than 200: the status tells not-found from failure. */
export class UpstreamStatusError extends Error {
  constructor(readonly status: number) {
    super(`upstream answered ${status}`);
  }
}

export interface UpstreamOptions {
  /** Keep-alive sockets to the service; the product's default is 128 per service (UPSTREAM_MAX_SOCKETS). */
  connections: number;
  /** One call's bound, the product's default call timeout. */
  timeoutMs: number;
}

export interface Upstream {
  /** GETs `path` and parses the JSON answer; rejects with {@link UpstreamStatusError} for any status but 200. */
  getJson<T>(path: string): Promise<T>;
  close(): Promise<void>;
}

/** One service behind an undici pool of keep-alive sockets: the leanest client Node has. */
export function createUpstream(baseUrl: string, options: UpstreamOptions): Upstream {
  const pool = new Pool(baseUrl, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const headers = { accept: 'application/json' };
  return {
    async getJson<T>(path: string): Promise<T> {
      const { statusCode, body } = await pool.request({ method: 'GET', path, headers });
      if (statusCode !== 200) {
        // Read to the end, so the socket goes back to the pool.
        await body.dump();
        throw new UpstreamStatusError(statusCode);
      }
      return (await body.json()) as T;
    },
    close: () => pool.close(),
  };
}
