import { APP_CONFIG, type AppConfig, type JwtKeyConfig } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';
import { createHash, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy, type SecretOrKeyProvider } from 'passport-jwt';
import { callerFromPayload, type Caller } from './caller.js';
import { InvalidTokenError, type InvalidTokenReason } from './invalid-token.error.js';
import { JwksKeyStore } from './jwks-key-store.js';
import { hasObjectPayload, issuedAtOf, readTokenHeader, type TokenHeader } from './token-header.js';
import { VerifiedTokens } from './verified-tokens.js';

/** Real access tokens are well under 2 KiB; anything past this is refused before it is decoded. */
const MAX_TOKEN_LENGTH = 8 * 1024;
/** Anchored, so it runs in linear time whatever the header holds. */
export const BEARER_PREFIX = /^bearer[ \t]+(?=\S)/i;
/*
 * RFC 6750's b64token, the whole rest of the header: passport-jwt takes
 * the first word after the scheme and would let anything after it through
 * (`Bearer <token> junk`), and the verified tokens are remembered by text.
 */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

type StrategyRequest = Parameters<Strategy['authenticate']>[0];

/**
 * Cheap checks on the raw header before passport-jwt reads it: its header
 * pattern /(\S+)\s+(\S+)/ backtracks quadratically on a long value that
 * does not start with a scheme and a token (about 0.1 s of CPU at Node's
 * 16 KiB header limit), and any client can send one.
 */
function authorizationProblem(header: string | undefined): InvalidTokenReason | undefined {
  const prefix = header === undefined ? null : BEARER_PREFIX.exec(header);
  if (header === undefined || prefix === null) {
    return 'missing';
  }
  const token = header.slice(prefix[0].length);
  if (token.length > MAX_TOKEN_LENGTH) {
    return 'too-large';
  }
  return B64TOKEN.test(token) ? undefined : 'malformed';
}

/**
 * Where the verification key comes from; the algorithm has already been
 * checked against the configured list. Keys are KeyObjects built once:
 * handed a string, jsonwebtoken tries to parse it as a public key for every
 * token (and, for a secret, fails and falls back), which cost more CPU than
 * the rest of a request. A configured key is handed over as it is; only a
 * JWKS key may have to be fetched first.
 */
function keySource(
  key: JwtKeyConfig,
  jwks: JwksKeyStore | null,
): (header: TokenHeader, token: string) => KeyObject | Promise<KeyObject> {
  switch (key.kind) {
    case 'secret': {
      const secret = createSecretKey(Buffer.from(key.secret));
      return () => secret;
    }
    case 'public-key': {
      const publicKey = createPublicKey(key.publicKeyPem);
      return () => publicKey;
    }
    case 'jwks':
      if (jwks === null) {
        throw new Error('JWT_JWKS_URL is configured but AuthModule provided no JWKS key store');
      }
      return (header, token) => jwks.keyFor(header.kid, header.alg, () => issuedAtOf(token));
  }
}

/**
 * Picks the key for a token. The algorithm is pinned to the configured key
 * before a key is chosen: HS256 only with a secret, the key's own algorithm
 * with a public key or JWKS, never `none`. That closes the
 * algorithm-confusion attack (an HS256 token "signed" with our public key)
 * even before jsonwebtoken checks `algorithms` again. A key at hand goes
 * to passport-jwt at once, as its own `secretOrKey` option does: through
 * an async function and a `then`, every request waited three turns of the
 * microtask queue for a key it already had (counted from the code).
 */
function keyProvider(key: JwtKeyConfig, jwks: JwksKeyStore | null): SecretOrKeyProvider {
  const source = keySource(key, jwks);
  const allowed: readonly string[] = key.algorithms;
  const keyForToken = (token: unknown): KeyObject | Promise<KeyObject> => {
    if (typeof token !== 'string') {
      throw new InvalidTokenError('malformed');
    }
    const header = readTokenHeader(token);
    if (header === undefined || !hasObjectPayload(token)) {
      throw new InvalidTokenError('malformed');
    }
    if (!allowed.includes(header.alg)) {
      throw new InvalidTokenError('algorithm-not-allowed');
    }
    return source(header, token);
  };
  // jsonwebtoken takes a KeyObject; @types/passport-jwt only lists string | Buffer.
  const handOver = (done: (error: unknown, key?: string | Buffer) => void, found: KeyObject): void =>
    done(null, found as unknown as Buffer);
  return (_request, token: unknown, done) => {
    let found: KeyObject | Promise<KeyObject>;
    try {
      found = keyForToken(token);
    } catch (error) {
      done(error);
      return;
    }
    if (found instanceof Promise) {
      found.then(
        (fetched) => handOver(done, fetched),
        (error: unknown) => done(error),
      );
    } else {
      handOver(done, found);
    }
  };
}

/** The verified tokens of each way of verifying them (key, issuer, audience, tolerance) in this process. */
const verifiedTokensBySettings = new Map<string, VerifiedTokens>();

/*
 * passport keeps one strategy per name for the whole process, the last one
 * constructed: with both BFFs in one process (the launcher), every app's
 * guard has the last app's strategy verify. Strategies that verify alike
 * share what they verified, so an app asking its own strategy what is
 * already verified (JwtAuthGuard, for an address held back) sees what
 * passport's strategy remembered; strategies that verify differently never
 * share a token.
 */
function verifiedTokensFor(auth: AppConfig['auth']): VerifiedTokens {
  const settings = createHash('sha256')
    .update(JSON.stringify([auth.key, auth.issuer, auth.audience, auth.clockToleranceSeconds]))
    .digest('base64');
  let tokens = verifiedTokensBySettings.get(settings);
  if (tokens === undefined) {
    tokens = new VerifiedTokens(auth.clockToleranceSeconds * 1000);
    verifiedTokensBySettings.set(settings, tokens);
  }
  return tokens;
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly verified: VerifiedTokens;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(JwksKeyStore) jwks: JwksKeyStore | null) {
    const { key, issuer, audience, clockToleranceSeconds } = config.auth;
    super({
      passReqToCallback: true,
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: keyProvider(key, jwks),
      algorithms: [...key.algorithms],
      issuer,
      audience,
      // The only way to hand clockTolerance to jsonwebtoken. The @deprecated tag
      // @types/passport-jwt puts here describes the top-level issuer/audience options.
      jsonWebTokenOptions: { clockTolerance: clockToleranceSeconds },
    });
    this.verified = verifiedTokensFor(config.auth);
  }

  /** Runs the cheap header checks, then answers from the verified tokens or has passport-jwt verify. */
  override authenticate(request: StrategyRequest, options?: unknown): void {
    const authorization = request.headers.authorization;
    const problem = authorizationProblem(authorization);
    if (problem !== undefined) {
      this.fail(new InvalidTokenError(problem), 401);
      return;
    }
    const known = this.verified.get(bearerToken(authorization as string));
    if (known !== undefined) {
      this.success(known);
      return;
    }
    super.authenticate(request, options);
  }

  /** Whether this Authorization header carries a token already verified here and still good. */
  remembers(authorization: string | undefined): boolean {
    return (
      authorizationProblem(authorization) === undefined &&
      this.verified.get(bearerToken(authorization as string)) !== undefined
    );
  }

  validate(request: StrategyRequest, payload: unknown): Caller {
    const caller = callerFromPayload(payload);
    // callerFromPayload has refused a payload without a numeric exp.
    const expiresAt = (payload as { exp: number }).exp;
    this.verified.remember(bearerToken(request.headers.authorization as string), expiresAt, caller);
    return caller;
  }
}

/** The token of an Authorization header that passed {@link authorizationProblem}. */
function bearerToken(authorization: string): string {
  return authorization.replace(BEARER_PREFIX, '');
}
