import { PROBLEM_CATALOGUE, problemTypeUri, type ProblemKind } from './problem-catalogue.js';

/** An RFC 9457 problem document as the gateway sends it. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function toProblemDocument(
  kind: ProblemKind,
  detail: string,
  where: { instance: string; requestId: string },
  extensions: Record<string, unknown> = {},
): ProblemDocument {
  const { status, title } = PROBLEM_CATALOGUE[kind];
  // Extensions go first so they can never overwrite the standard members.
  return {
    ...extensions,
    type: problemTypeUri(kind),
    title,
    status,
    detail,
    instance: where.instance,
    requestId: where.requestId,
  };
}
