import type { ServiceConfig } from '@app/config';
import axios, { type AxiosInstance } from 'axios';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { axiosTransport } from './axios-transport.js';
import { RoundRobinPool } from './round-robin-pool.js';
import type { UpstreamCall, UpstreamRequest, UpstreamResponse } from './upstream-call.js';

/** Upstream answers larger than this are refused rather than buffered: no contract body comes close. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

function keepAliveAgents(service: ServiceConfig): { http: HttpAgent; https: HttpsAgent } {
  const options = {
    keepAlive: true,
    maxSockets: service.maxSockets,
    maxFreeSockets: Math.min(service.maxSockets, 256),
    // Reusing the most recent socket keeps the pool small and warm under light load.
    scheduling: 'lifo' as const,
    // Closes idle sockets before a typical upstream's keep-alive timeout closes them under us.
    timeout: 4_000,
  };
  return { http: new HttpAgent(options), https: new HttpsAgent(options) };
}

/**
 * Everything the gateway holds for one upstream service: its instances, its
 * keep-alive sockets and its call stack. Typed clients call through it.
 */
export class ServiceUpstream {
  readonly pool: RoundRobinPool;
  private readonly agents: { http: HttpAgent; https: HttpsAgent };
  private readonly http: AxiosInstance;
  private readonly stack: UpstreamCall;

  constructor(readonly config: ServiceConfig) {
    this.pool = new RoundRobinPool(config.urls);
    this.agents = keepAliveAgents(config);
    this.http = axios.create({
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      // Without redirects axios uses node:http directly instead of follow-redirects: faster, and an upstream never sends us elsewhere.
      maxRedirects: 0,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxContentLength: MAX_BODY_BYTES,
      transitional: { clarifyTimeoutError: true },
    });
    this.stack = axiosTransport(config, this.pool, this.http);
  }

  call(request: UpstreamRequest): Promise<UpstreamResponse> {
    return this.stack(request);
  }

  /** Asks one instance's `/health`, for the health report only: bypasses every wrapper of the call stack. */
  async probe(url: string, timeoutMs: number): Promise<boolean> {
    try {
      const response = await this.http.get(`${url}/health`, { timeout: timeoutMs });
      return response.status >= 200 && response.status < 300;
    } catch {
      return false;
    }
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
