export { perRoute } from './per-route.js';
