export {
  closeOnSignals,
  gracefulShutdown,
  type Closeable,
  type ShutdownOptions,
} from './close-on-signals.js';
export { createBffApp, startBffApp } from './create-bff-app.js';
export { describeError, type ErrorDescription } from './describe-error.js';
export { ProblemFilter } from './problem.filter.js';
export { requestIdFrom } from './request-id.js';
export { exitOnListenFailure, loadConfigOrExit, runAlone, warnAboutConfig } from './startup.js';
export { fieldProblems, ZodValidationPipe, type FieldProblem } from './zod-validation.pipe.js';
export { ApiAnswer, documentedResponses, type ApiAnswerOptions } from './api-answer.decorator.js';
export { ApiQueryOf } from './api-query.decorator.js';
export { DOCS_JSON_PATH, DOCS_PATH, serveOpenApi } from './openapi.js';
export { problemSchema } from './problem.schema.js';
export { passThroughPaths } from './pass-through-paths.js';
