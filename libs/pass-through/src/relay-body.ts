import { ProblemError } from '@app/problem';

/** Far deeper than any REST body; shallow enough that serializing never comes near the stack limit. */
export const MAX_RELAY_DEPTH = 64;

/** How deeply arrays and objects nest in a parsed JSON value, counted without recursion. */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const { value: current, depth } = pending.pop() as { value: unknown; depth: number };
    if (typeof current !== 'object' || current === null) {
      continue;
    }
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_RELAY_DEPTH) {
      return deepest;
    }
    for (const child of Object.values(current)) {
      pending.push({ value: child, depth: depth + 1 });
    }
  }
  return deepest;
}

/**
 * The client's parsed body as the JSON text to relay, or undefined when it
 * sent none. Serialized here rather than by the HTTP client: a body the
 * client library cannot send (a bare number, which axios refuses; nesting
 * deep enough to overflow JSON.stringify, which a 64 KiB body allows) would
 * otherwise fail inside the upstream call, be taken for a broken connection
 * and count against the service's breaker, so that any caller could open it
 * for everyone.
 */
export function relayBody(body: unknown): string | undefined {
  if (body === undefined) {
    return undefined;
  }
  if (jsonDepth(body) > MAX_RELAY_DEPTH) {
    throw new ProblemError(
      'validation',
      `The request body nests arrays and objects more than ${MAX_RELAY_DEPTH} levels deep.`,
    );
  }
  return JSON.stringify(body);
}
