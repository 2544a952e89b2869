export {
  admitsInHandler,
  deferAdmission,
  markAdmitsInHandler,
  pendingAdmission,
} from './deferred-admission.js';
export { httpReplyOf, httpRequestOf } from './http-arguments.js';
export { perRoute } from './per-route.js';
