export {
  PROBLEM_CATALOGUE,
  PROBLEM_TYPE_BASE,
  problemKindForStatus,
  problemTypeUri,
  type ProblemKind,
} from './problem-catalogue.js';
export { ProblemError, type ProblemOptions } from './problem.error.js';
export { PROBLEM_CONTENT_TYPE, toProblemDocument, type ProblemDocument } from './problem-document.js';
