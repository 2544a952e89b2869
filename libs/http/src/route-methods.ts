import FindMyWay from 'find-my-way';
import type { FastifyInstance, HTTPMethods } from 'fastify';

interface RouteEntry {
  pattern: string;
  versions: Set<string>;
}

/**
 * The methods each route pattern of an app answers, and the versions each
 * serves, for telling a path that exists under other methods (405, with
 * `Allow`) or under other versions from one that does not exist at all
 * (404). Routes are matched with find-my-way, the router Fastify itself
 * routes with, so a path matches here exactly when it would match there
 * under that method (version constraints aside: any version of a method
 * counts). Fastify keeps its router to itself, and its `hasRoute` takes a
 * route's pattern rather than a request's path.
 */
export class RouteMethods {
  private readonly router = FindMyWay({ maxParamLength: 256 });
  /** The versions named for each method and pattern (empty for one that serves every version), with the pattern. */
  private readonly declared = new Map<string, RouteEntry>();
  private readonly methods = new Set<HTTPMethods>();

  /** Learns every route the app registers from now on: call it before the routes are added. */
  static of(fastify: FastifyInstance): RouteMethods {
    const routes = new RouteMethods();
    fastify.addHook('onRoute', ({ method, url, constraints }) => {
      const version: unknown = (constraints as { version?: unknown } | undefined)?.version;
      for (const each of Array.isArray(method) ? method : [method]) {
        routes.add(each, url, version);
      }
    });
    return routes;
  }

  /** `version` as Nest constrains a versioned route: one version or a list (its "any version" symbol is not named). */
  add(method: HTTPMethods, url: string, version?: unknown): void {
    const key = `${method} ${url}`;
    let entry = this.declared.get(key);
    if (entry === undefined) {
      entry = { pattern: url, versions: new Set() };
      this.declared.set(key, entry);
      this.methods.add(method);
      this.router.on(method as FindMyWay.HTTPMethod, url, () => undefined, entry);
    }
    for (const each of Array.isArray(version) ? (version as unknown[]) : [version]) {
      if (typeof each === 'string') {
        entry.versions.add(each);
      }
    }
  }

  /** The route pattern `path` matches under some method (`/web/orders/:id`), for labels; undefined when none. */
  patternFor(path: string): string | undefined {
    for (const method of this.methods) {
      const found = this.router.find(method as FindMyWay.HTTPMethod, path);
      if (found !== null) {
        return (found.store as RouteEntry).pattern;
      }
    }
    return undefined;
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

  /** The versions a route answering `method` on `path` names, in order; empty when none does. */
  versionsFor(method: HTTPMethods, path: string): string[] {
    const found = this.router.find(method as FindMyWay.HTTPMethod, path);
    return found === null ? [] : [...(found.store as RouteEntry).versions].sort();
  }
}
