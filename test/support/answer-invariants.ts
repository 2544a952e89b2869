/** What one answer looked like, read off the wire whatever its status. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Stack frames, loopback upstream addresses, Node error codes, dependency paths: none may reach a client. */
const INTERNAL_LEAK =
  /\bat \S+ \(\S+\.(ts|js):\d+|127\.0\.0\.1|localhost|ECONN\w*|ETIMEDOUT|EPIPE|node_modules|SyntaxError|TypeError|RangeError/g;

/**
 * 5xx the gateway may answer: 502 to 504 only because an upstream (or Redis)
 * failed, 501 for what a client asked that HTTP has it refuse so (a transfer
 * coding it does not take); anything else of its own is a bug.
 */
const ALLOWED_5XX = new Set([501, 502, 503, 504]);

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** What the client sent, as far as an answer may echo it back (a path, a field name). */
export interface Sent {
  method: string;
  /** Path, query, header values and body as text: a leak pattern found in it is an echo, not a leak. */
  text: string;
  /** Credentials the client sent, which no answer may echo. */
  secrets: readonly string[];
}

/**
 * Every way `answer` breaks the gateway's contract for an answer to any
 * input, as one line each; empty when it keeps it.
 */
export function contractBreaches(answer: Answer, sent: Sent): string[] {
  const { method, secrets } = sent;
  const breaches: string[] = [];
  const requestId = single(answer.headers['x-request-id']);
  if (requestId === undefined || requestId === '') {
    breaches.push('no X-Request-Id');
  }
  if (answer.status >= 500 && !ALLOWED_5XX.has(answer.status)) {
    breaches.push(`the gateway itself failed with ${answer.status}`);
  }
  for (const secret of secrets) {
    if (secret.length >= 8 && answer.body.includes(secret)) {
      breaches.push('the answer echoes a credential the client sent');
    }
  }
  if (answer.status < 400 || method === 'HEAD') {
    return breaches;
  }
  const contentType = single(answer.headers['content-type']) ?? '';
  if (!contentType.startsWith('application/problem+json')) {
    breaches.push(`a ${answer.status} answered as ${contentType || 'no content type'}, not problem+json`);
    return breaches;
  }
  let problem: Record<string, unknown>;
  try {
    problem = JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    return [...breaches, 'a problem+json body that is not JSON'];
  }
  if (problem.status !== answer.status) {
    breaches.push(`problem status ${String(problem.status)} on a ${answer.status} answer`);
  }
  for (const member of ['type', 'title', 'detail', 'instance', 'requestId']) {
    if (typeof problem[member] !== 'string') {
      breaches.push(`problem without a string ${member}`);
    }
  }
  if (problem.requestId !== requestId) {
    breaches.push('problem requestId differs from X-Request-Id');
  }
  for (const [leak] of answer.body.matchAll(INTERNAL_LEAK)) {
    if (!sent.text.includes(leak)) {
      breaches.push(`the problem leaks "${leak}"`);
    }
  }
  return breaches;
}
