import type { FaultKnobs, ServiceName } from '@app/config';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { createDemoServer, type RouteRegistrar } from './demo-server.js';
import { FaultController } from './fault-controller.js';
import { registerOrderRoutes } from './order-routes.js';
import { registerPreferenceRoutes } from './preference-routes.js';
import { registerUserRoutes } from './user-routes.js';

// Plain Fastify, not Nest: benchmarks push ~10,000 upstream requests a second through these services on a
// 2-core machine, and Nest's per-request layers would make the demo, not the gateway, the bottleneck.

export interface DemoServices {
  /** Base URLs with the bound port, e.g. `http://127.0.0.1:40123`. */
  urls: Record<ServiceName, string>;
  faults: Record<ServiceName, FaultController>;
  close(): Promise<void>;
}

export interface StartDemoServicesOptions {
  host: string;
  /** 0 picks a free port. */
  ports: Record<ServiceName, number>;
  faults: Record<ServiceName, FaultKnobs>;
  logger?: boolean;
}

const SERVICE_ROUTES: Record<ServiceName, RouteRegistrar> = {
  user: registerUserRoutes,
  order: registerOrderRoutes,
  preference: registerPreferenceRoutes,
};

function perService<T>(make: (name: ServiceName) => T): Record<ServiceName, T> {
  return { user: make('user'), order: make('order'), preference: make('preference') };
}

/** A wildcard bind address is not something to connect to, so URLs name the loopback instead. */
function baseUrl(host: string, app: FastifyInstance): string {
  const { port } = app.server.address() as AddressInfo;
  const connectHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${connectHost.includes(':') ? `[${connectHost}]` : connectHost}:${port}`;
}

/** Starts the user, order and preference services, each on its own port; rejects (and closes them all) if any fails to bind. */
export async function startDemoServices(options: StartDemoServicesOptions): Promise<DemoServices> {
  const faults = perService((name) => new FaultController(options.faults[name]));
  const apps = perService((name) =>
    createDemoServer({
      faults: faults[name],
      registerRoutes: SERVICE_ROUTES[name],
      logger: options.logger ?? false,
    }),
  );
  const close = async (): Promise<void> => {
    await Promise.all(Object.values(apps).map((app) => app.close()));
  };
  const listening = await Promise.allSettled(
    Object.values(perService((name) => apps[name].listen({ host: options.host, port: options.ports[name] }))),
  );
  const failure = listening.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    await close();
    throw failure.reason;
  }
  return { urls: perService((name) => baseUrl(options.host, apps[name])), faults, close };
}
