import { SetMetadata, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { describe, expect, it } from 'vitest';
import { perRoute } from './per-route.js';

const LABEL = 'spec:label';

@SetMetadata(LABEL, 'base')
class BaseController {
  @SetMetadata(LABEL, 'own')
  labelled(this: void): void {}

  inherited(this: void): void {}
}

@SetMetadata(LABEL, 'derived')
class DerivedController extends BaseController {}

function routeOf(controller: Function, handler: Function): ExecutionContext {
  return new ExecutionContextHost([], controller as never, handler as never);
}

describe(perRoute.name, () => {
  const reflector = new Reflector();

  it("answers with each route's own metadata, the handler's over its controller's", () => {
    const label = perRoute((handler, controller) =>
      reflector.getAllAndOverride<string | undefined>(LABEL, [handler, controller]),
    );
    expect(label(routeOf(BaseController, BaseController.prototype.labelled))).toBe('own');
    expect(label(routeOf(BaseController, BaseController.prototype.inherited))).toBe('base');
  });

  it('tells apart one inherited method under two controllers', () => {
    const label = perRoute((handler, controller) =>
      reflector.getAllAndOverride<string | undefined>(LABEL, [handler, controller]),
    );
    expect(label(routeOf(BaseController, BaseController.prototype.inherited))).toBe('base');
    expect(label(routeOf(DerivedController, DerivedController.prototype.inherited))).toBe('derived');
  });

  it('works a route out once, even when the answer is undefined', () => {
    let derivations = 0;
    const nothing = perRoute(() => {
      derivations += 1;
      return undefined;
    });
    const route = routeOf(BaseController, BaseController.prototype.inherited);
    expect(nothing(route)).toBeUndefined();
    expect(nothing(route)).toBeUndefined();
    expect(derivations).toBe(1);
  });
});
