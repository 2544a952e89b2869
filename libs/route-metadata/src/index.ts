export { httpReplyOf, httpRequestOf } from './http-arguments.js';
export { perRoute } from './per-route.js';
