import { ProblemError } from '@app/problem';
import jwt from 'jsonwebtoken';
import type { Caller } from './caller.js';
import { InvalidTokenError, type InvalidTokenReason } from './invalid-token.error.js';

/** The protection space every challenge names, Bearer's and ApiKey's alike. */
const REALM = 'bff-gateway';
const API_KEY_CHALLENGE = `ApiKey realm="${REALM}"`;

/*
 * `detail` is read by people; `description` goes into the WWW-Authenticate
 * header, where RFC 6750 allows no quotes or backslashes. Neither ever
 * carries the token or the library's message.
 */
const WORDING: Record<InvalidTokenReason, { detail: string; description: string }> = {
  missing: { detail: 'The request carries no Bearer access token', description: 'missing bearer token' },
  'too-large': { detail: 'The access token is too large', description: 'token too large' },
  malformed: { detail: 'The access token is malformed', description: 'malformed token' },
  expired: { detail: 'The access token has expired', description: 'token expired' },
  'not-yet-valid': { detail: 'The access token is not valid yet', description: 'token not yet valid' },
  'missing-expiry': { detail: 'The access token has no expiry time', description: 'token without expiry' },
  'wrong-issuer': {
    detail: 'The access token comes from an issuer this service does not trust',
    description: 'wrong issuer',
  },
  'wrong-audience': {
    detail: 'The access token is not meant for this service',
    description: 'wrong audience',
  },
  'bad-signature': { detail: 'The access token signature is invalid', description: 'invalid signature' },
  'algorithm-not-allowed': {
    detail: 'The access token is signed with an algorithm this service does not accept',
    description: 'algorithm not allowed',
  },
  'unknown-key': {
    detail: 'The access token is signed with an unknown key',
    description: 'unknown signing key',
  },
  'invalid-subject': { detail: 'The access token has no valid subject', description: 'invalid subject' },
  invalid: { detail: 'The access token is invalid', description: 'invalid token' },
};

/** jsonwebtoken reports most failures as plain messages; these are the ones we tell apart. */
function reasonForLibraryMessage(message: string): InvalidTokenReason {
  if (message === 'invalid signature') {
    return 'bad-signature';
  }
  if (message.startsWith('jwt audience invalid')) {
    return 'wrong-audience';
  }
  if (message.startsWith('jwt issuer invalid')) {
    return 'wrong-issuer';
  }
  if (
    message === 'invalid algorithm' ||
    message.startsWith('secretOrPublicKey must be') ||
    message.startsWith('"alg" parameter')
  ) {
    return 'algorithm-not-allowed';
  }
  // An empty signature on a token whose algorithm (pinned before this) needs one: the token is cut short, not mis-signed.
  if (
    message === 'jwt malformed' ||
    message === 'jwt signature is required' ||
    message === 'invalid token' ||
    message === 'invalid exp value' ||
    message === 'invalid nbf value'
  ) {
    return 'malformed';
  }
  return 'invalid';
}

/*
 * What ecdsa-sig-formatter throws, through jwa and jsonwebtoken uncaught,
 * for an ES256 signature that is not 64 bytes of r||s: most often a DER
 * signature, which is what OpenSSL and most crypto libraries produce unless
 * told to write JOSE's form. The token is signed wrongly, not malformed.
 */
const ES_SIGNATURE_LENGTH = /^"ES\d{3}" signatures must be "\d+" bytes, saw "\d+"$/;

/** The reason behind a passport failure, or `undefined` when it is not a token problem at all (a bug, say). */
export function invalidTokenReason(failure: unknown): InvalidTokenReason | undefined {
  if (failure instanceof InvalidTokenError) {
    return failure.reason;
  }
  // TokenExpiredError and NotBeforeError extend JsonWebTokenError, so they go first.
  if (failure instanceof jwt.TokenExpiredError) {
    return 'expired';
  }
  if (failure instanceof jwt.NotBeforeError) {
    return 'not-yet-valid';
  }
  if (failure instanceof jwt.JsonWebTokenError) {
    return reasonForLibraryMessage(failure.message);
  }
  if (failure instanceof TypeError && ES_SIGNATURE_LENGTH.test(failure.message)) {
    return 'bad-signature';
  }
  // jsonwebtoken lets JSON.parse errors from a payload it cannot decode escape as they are.
  if (failure instanceof SyntaxError) {
    return 'malformed';
  }
  return undefined;
}

/** Why an `X-API-Key` was refused; only the log tells these apart. */
export type InvalidApiKeyReason = 'unknown' | 'too-large' | 'with-bearer-token';

/*
 * A wrong key and an over-long one get the same detail, so a client learns
 * nothing about which keys or lengths exist. Sending a Bearer token as well
 * is a client mistake worth naming, since the fix is on the client's side.
 */
const API_KEY_DETAIL: Record<InvalidApiKeyReason, string> = {
  unknown: 'The API key is not valid',
  'too-large': 'The API key is not valid',
  'with-bearer-token': 'The request carries both an API key and a Bearer token; send only one',
};

/** The 401 for a refused API key, with the challenge of the API-key scheme instead of Bearer's. */
export function invalidApiKeyProblem(reason: InvalidApiKeyReason): ProblemError {
  return new ProblemError('unauthorized', API_KEY_DETAIL[reason], {
    headers: { 'WWW-Authenticate': API_KEY_CHALLENGE },
  });
}

/**
 * The 401 for a refused token. Every 401 says error="invalid_token", even
 * for a missing token: the gateway's contract asks clients to react to one
 * error code only. A route that takes an API key as well offers its
 * challenge too when the request carried neither credential, so a client
 * learns both ways in.
 */
export function unauthorizedProblem(
  reason: InvalidTokenReason,
  accepts: 'bearer' | 'bearer-or-api-key' = 'bearer',
): ProblemError {
  const { detail, description } = WORDING[reason];
  const bearer = `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`;
  const offerApiKey = accepts === 'bearer-or-api-key' && reason === 'missing';
  return new ProblemError('unauthorized', detail, {
    headers: { 'WWW-Authenticate': offerApiKey ? `${bearer}, ${API_KEY_CHALLENGE}` : bearer },
  });
}

/**
 * The 403 for a caller without a role the route needs. A user's token is
 * answered with RFC 6750's insufficient_scope, so a client can tell "sign in
 * with more rights" from "sign in again". An API key has no scope to widen
 * and the ApiKey scheme no such error, so a consumer gets no challenge.
 */
export function missingRolesProblem(detail: string, caller: Caller | undefined): ProblemError {
  if (caller?.kind !== 'user') {
    return new ProblemError('forbidden', detail);
  }
  return new ProblemError('forbidden', detail, {
    headers: { 'WWW-Authenticate': `Bearer realm="${REALM}", error="insufficient_scope"` },
  });
}
