/** pino's own exit hook (on-exit-leak-free 2), which ships no types: what turn-batched-log.ts calls of it. */
declare module 'on-exit-leak-free' {
  /** Calls `fn` with `obj` when the process exits, for as long as something else keeps `obj` alive. */
  export function register<T extends object>(obj: T, fn: (obj: T, event: 'exit') => void): void;
}
