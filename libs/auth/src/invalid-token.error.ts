/** Why an access token was refused; each reason has its own client-facing wording in `unauthorized-problem.ts`. */
export type InvalidTokenReason =
  | 'missing'
  | 'too-large'
  | 'malformed'
  | 'expired'
  | 'not-yet-valid'
  | 'missing-expiry'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'bad-signature'
  | 'algorithm-not-allowed'
  | 'unknown-key'
  | 'invalid-subject'
  | 'invalid';

/**
 * A token refused by our own checks (size, header, key choice, claims).
 * It travels through passport as a failure and the auth guard turns it into
 * the 401 problem; it never reaches the client as is.
 */
export class InvalidTokenError extends Error {
  constructor(readonly reason: InvalidTokenReason) {
    super(`access token refused: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}
