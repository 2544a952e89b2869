import FindMyWay from 'find-my-way';
import type { FastifyInstance, HTTPMethods } from 'fastify';

/**
 * The methods each route pattern of an app answers, for telling a path
 * that exists under other methods (405, with `Allow`) from one that does
 * not exist at all (404). Routes are matched with find-my-way, the router
 * Fastify itself routes with, so a path matches here exactly when it would
 * match there under that method (version constraints aside: any version of
 * a method counts). Fastify keeps its router to itself, and its
 * `hasRoute` takes a route's pattern rather than a request's path.
 */
export class RouteMethods {
  private readonly router = FindMyWay({ maxParamLength: 256 });
  private readonly declared = new Set<string>();
  private readonly methods = new Set<HTTPMethods>();

  /** Learns every route the app registers from now on: call it before the routes are added. */
  static of(fastify: FastifyInstance): RouteMethods {
    const routes = new RouteMethods();
    fastify.addHook('onRoute', ({ method, url }) => {
      for (const each of Array.isArray(method) ? method : [method]) {
        routes.add(each, url);
      }
    });
    return routes;
  }

  add(method: HTTPMethods, url: string): void {
    const key = `${method} ${url}`;
    if (!this.declared.has(key)) {
      this.declared.add(key);
      this.methods.add(method);
      this.router.on(method as FindMyWay.HTTPMethod, url, () => undefined);
    }
  }

  /**
   * The methods `path` is answered under, in a stable order; empty when no
   * route has it. OPTIONS is left out: CORS answers it for every path.
   */
  allowedFor(path: string): HTTPMethods[] {
    return [...this.methods]
      .filter(
        (method) => method !== 'OPTIONS' && this.router.find(method as FindMyWay.HTTPMethod, path) !== null,
      )
      .sort();
  }
}
