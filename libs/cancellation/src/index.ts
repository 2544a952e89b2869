export { Cancellation, delay, NEVER_CANCELLED, type CancelSignal } from './cancellation.js';
