/**
 * Why a request's `Transfer-Encoding` is refused, or undefined when it is
 * absent or plain `chunked`. Node's parser frames a body whose last coding
 * is chunked and drops the codings before it: `gzip, chunked` was read as
 * plain JSON, gzip ignored. RFC 9112 (6.1) has a server answer 501 to a
 * transfer coding it does not take.
 */
export function transferCodingProblem(coding: string | undefined): string | undefined {
  if (coding === undefined || coding.trim().toLowerCase() === 'chunked') {
    return undefined;
  }
  return 'This gateway takes request bodies in no transfer coding but chunked.';
}
