import type { ExecutionContext } from '@nestjs/common';

/**
 * What a route's decorators decide, worked out on its first request and
 * then looked up: decorators are fixed once the classes are defined, while
 * Nest's Reflector walks reflect-metadata's maps and the prototype chain on
 * every call, several times a request across the guards and pipes. Keyed
 * by controller as well as handler, since a method a controller inherits
 * is one function under two classes' metadata.
 */
export function perRoute<T>(
  derive: (handler: Function, controller: Function) => T,
): (context: ExecutionContext) => T {
  const byHandler = new WeakMap<Function, WeakMap<Function, { value: T }>>();
  return (context) => {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byController = byHandler.get(handler);
    if (byController === undefined) {
      byController = new WeakMap();
      byHandler.set(handler, byController);
    }
    let derived = byController.get(controller);
    if (derived === undefined) {
      derived = { value: derive(handler, controller) };
      byController.set(controller, derived);
    }
    return derived.value;
  };
}
