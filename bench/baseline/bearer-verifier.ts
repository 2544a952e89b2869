import jwt from 'jsonwebtoken';
import { createSecretKey } from 'node:crypto';

export interface BearerVerifierOptions {
  secret: string;
  issuer: string | undefined;
  audience: string | undefined;
  clockToleranceS: number;
}

/** The same limits as the product's JWT strategy (libs/auth): a header past 8 KiB or an odd subject is refused. */
const MAX_TOKEN_LENGTH = 8 * 1024;
const BEARER_PREFIX = /^bearer[ \t]+(?=\S)/i;
const SUBJECT_PATTERN = /^[A-Za-z0-9_.:@|-]{1,128}$/;

/**
 * The baseline's whole authentication: the checks the product makes on a
 * Bearer token (HS256 only, issuer, audience, expiry required, subject
 * shape), without passport and without telling failures apart. Returns the
 * user id, or undefined for any token that must be refused.
 */
export function createBearerVerifier(
  options: BearerVerifierOptions,
): (authorization: string | undefined) => string | undefined {
  // A KeyObject built once, as the product does: handed a string, jsonwebtoken re-parses it on every call.
  const key = createSecretKey(Buffer.from(options.secret));
  const verifyOptions: jwt.VerifyOptions & { complete?: false } = {
    algorithms: ['HS256'],
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: options.clockToleranceS,
  };
  return (authorization) => {
    const prefix = authorization === undefined ? null : BEARER_PREFIX.exec(authorization);
    if (authorization === undefined || prefix === null) {
      return undefined;
    }
    const token = authorization.slice(prefix[0].length);
    if (token.length > MAX_TOKEN_LENGTH) {
      return undefined;
    }
    let claims: string | jwt.JwtPayload;
    try {
      claims = jwt.verify(token, key, verifyOptions);
    } catch {
      // Every verification failure is the same 401 here; the product's finer reasons are not part of the yardstick.
      return undefined;
    }
    if (typeof claims === 'string' || typeof claims.exp !== 'number') {
      return undefined;
    }
    const subject = claims.sub;
    return typeof subject === 'string' && SUBJECT_PATTERN.test(subject) ? subject : undefined;
  };
}
