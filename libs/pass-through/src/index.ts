export { PassThroughModule } from './pass-through.module.js';
export { relayPath } from './relay-path.js';
