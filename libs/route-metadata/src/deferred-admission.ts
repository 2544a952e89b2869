import { SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { perRoute } from './per-route.js';

/*
 * A guard whose verdict waits on I/O (the shared rate limit, counted in
 * Redis) may hand that verdict to the route's handler instead of awaiting
 * it, when the handler has said it waits for the verdict before doing
 * anything a refused caller must not get: the handler can then send its
 * own first I/O (its cache lookup) in the same turn, and both travel to
 * Redis in one round trip instead of two in a row. A handler that has not
 * said so never sees a deferred verdict: the guard awaits it as before.
 */

const ADMITS_IN_HANDLER = 'route-metadata:admits-in-handler';
const PENDING_ADMISSION = Symbol('pending admission');

type WithPendingAdmission = { [PENDING_ADMISSION]?: Promise<void> };

const reflector = new Reflector();

/** Marks `handler` as one that awaits {@link pendingAdmission} before it reads, calls or answers anything. */
export function markAdmitsInHandler(target: object, handler: string | symbol): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, handler);
  if (descriptor !== undefined) {
    SetMetadata(ADMITS_IN_HANDLER, true)(target, handler, descriptor);
  }
}

/** Whether the route's handler takes a guard's verdict itself (see {@link markAdmitsInHandler}). */
export const admitsInHandler = perRoute(
  (handler) => reflector.get<boolean | undefined>(ADMITS_IN_HANDLER, handler) === true,
);

/**
 * Leaves the request's admission to its handler: `verdict` resolves if the
 * request may go on and rejects with the error to answer if not.
 */
export function deferAdmission(request: object, verdict: Promise<void>): void {
  // A later guard or a pipe may refuse the request before its handler runs: then nobody awaits the verdict.
  verdict.catch(() => undefined);
  (request as WithPendingAdmission)[PENDING_ADMISSION] = verdict;
}

/** The verdict a guard left to this request's handler, if one did. */
export function pendingAdmission(request: object): Promise<void> | undefined {
  return (request as WithPendingAdmission)[PENDING_ADMISSION];
}
