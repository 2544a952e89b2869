import { createRequire } from 'node:module';
import type { Agent as UndiciAgent } from 'undici';

/*
 * undici's Agent from its own file rather than the package's index, which
 * also loads fetch, WebSocket, EventSource, the HTTP cache and the mocks
 * that the gateway never uses: 4.2 MB of heap against 1.1 (each imported
 * alone and collected). The same class the index exports. undici is pinned
 * to one version in package.json, so its file layout cannot move unseen:
 * the service clients' specs would fail first.
 */
const require = createRequire(import.meta.url);

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;
export type Agent = UndiciAgent;
