import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import {
  admitsInHandler,
  deferAdmission,
  markAdmitsInHandler,
  pendingAdmission,
} from './deferred-admission.js';

function marking(): ParameterDecorator {
  return (target, handler) => {
    if (handler !== undefined) {
      markAdmitsInHandler(target, handler);
    }
  };
}

class Controller {
  takesVerdict(this: void, @marking() _cache: unknown): void {}

  leavesItToGuards(this: void): void {}
}

const routeOf = (handler: Function) => new ExecutionContextHost([], Controller as never, handler as never);

describe('deferred admission', () => {
  it("defers only to handlers that said they take the guard's verdict", () => {
    expect(admitsInHandler(routeOf(Controller.prototype.takesVerdict))).toBe(true);
    expect(admitsInHandler(routeOf(Controller.prototype.leavesItToGuards))).toBe(false);
  });

  it('hands the handler the verdict the guard left on its request, and nothing on another request', async () => {
    const request = {};
    const refusal = new Error('too many requests');
    deferAdmission(request, Promise.reject(refusal));
    await expect(pendingAdmission(request)).rejects.toBe(refusal);
    expect(pendingAdmission({})).toBeUndefined();
  });

  it('leaves no unhandled rejection when the request is refused before its handler awaits the verdict', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      deferAdmission({}, Promise.reject(new Error('too many requests')));
      await nextTurn();
      await nextTurn();
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
