/**
 * Calls `onTimeout` once `ms` have passed and the event loop has since read
 * what its sockets hold, unless the function returned is called first.
 *
 * A timer runs at the start of a turn of the event loop, before that turn's
 * poll reads what came in while the previous turn ran. In a gateway whose
 * turns run long (a few hundred connections), a bare timer timed out calls
 * whose answers were already in their sockets: healthy upstreams failed,
 * their breakers opened, and the overload turned into an outage (at 1,024
 * connections, 1,283 upstream timeouts and every service's breaker open,
 * against none with this; bench/RESULTS.md, the thirty-second session).
 * Left to `setImmediate`, which runs after the poll, the verdict sees those
 * answers first; work that has not answered times out right after that poll.
 * Unreferenced: a pending timeout never holds the process open by itself.
 */
export function timeoutAfterReads(ms: number, onTimeout: () => void): () => void {
  let cancelled = false;
  const timer = setTimeout(() => {
    setImmediate(() => {
      if (!cancelled) {
        onTimeout();
      }
    });
  }, ms);
  timer.unref();
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}
