export { Cancellation, delay, NEVER_CANCELLED, type CancelSignal } from './cancellation.js';
export { timeoutAfterReads } from './timeout-after-reads.js';
