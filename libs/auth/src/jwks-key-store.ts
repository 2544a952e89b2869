import { ProblemError } from '@app/problem';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { MIN_RSA_MODULUS_BITS, type JwtKeyConfig } from '@app/config';
import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { JwksClient, type SigningKey } from 'jwks-rsa';
import { InvalidTokenError } from './invalid-token.error.js';

type JwksKeyConfig = Extract<JwtKeyConfig, { kind: 'jwks' }>;
type JwksAlgorithm = JwksKeyConfig['algorithms'][number];

/**
 * While no signing key is held, the endpoint is asked again this often,
 * and a client refused for want of one is told to wait as long. Not the
 * refresh interval: an instance that started while the identity provider
 * was down would stay unready (so given no traffic, and no token whose kid
 * could ask for a fetch) for up to ten minutes after it came back.
 */
const NO_KEYS_RETRY_AFTER_S = 5;

const WARN_EVERY_MS = 60_000;

/** A whole fetch, body included; a request waiting for an unknown kid waits at most this long. */
const FETCH_TIMEOUT_MS = 2_000;
/** Clock skew between the identity provider and the gateway, and a key published just before its first token. */
const ISSUED_BEFORE_FETCH_MARGIN_MS = 60_000;

interface CachedKey {
  /** The one algorithm this key verifies, so an RSA key is never used for an ES256 token or the reverse. */
  algorithm: JwksAlgorithm;
  /** Parsed once here: jsonwebtoken would otherwise parse the PEM again for every token. */
  key: KeyObject;
}

/** A token that may well be good but cannot be checked now: a 401 would tell the client to drop it. */
function cannotVerifyYet(retryAfterS: number): ProblemError {
  return new ProblemError(
    'service-unavailable',
    'Access tokens cannot be verified right now; retry shortly.',
    {
      headers: { 'retry-after': String(retryAfterS) },
    },
  );
}

/** fetch() reports every network failure as "fetch failed"; the cause says which one. */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error);
  }
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

/**
 * The signing keys published at the JWKS URL, picked by `kid`.
 *
 * jwks-rsa only fetches and parses here; the cache is ours because
 * jwks-rsa's evicts a key when its max age ends, and if the endpoint is
 * down at that moment the key is gone: a short identity-provider outage
 * would become a gateway-wide 401. Our policy:
 * - keys live in memory and are replaced only by a fetch that yields at
 *   least one usable key; a down, slow or garbage endpoint leaves the last
 *   good keys in use;
 * - a background refresh every `refreshIntervalMs` picks up rotations and
 *   drops retired keys;
 * - an unknown `kid` may trigger one refresh per `unknownKidCooldownMs`,
 *   and concurrent requests share it: forged kids cannot turn the gateway
 *   into a load generator against the identity provider. A kid still
 *   unknown after a refresh is a 401; one that arrives during the cooldown
 *   is a 503 with Retry-After until it ends, since the key may have been
 *   published since;
 * - a request waits for at most one fetch, itself cut at FETCH_TIMEOUT_MS,
 *   so a key that cannot be found is a prompt 401, never a hang.
 */
export class JwksKeyStore implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(JwksKeyStore.name);
  private readonly client: JwksClient;
  /** Aborts a fetch still running at shutdown. */
  private readonly stopped = new AbortController();
  private keys = new Map<string, CachedKey>();
  private inFlight: Promise<void> | undefined;
  private lastUnknownKidRefreshAt = Number.NEGATIVE_INFINITY;
  /** When the fetch that gave the keys held now started: a key published before then is among them. */
  private lastLoadStartedAt = Number.NEGATIVE_INFINITY;
  /** Kids the last fetch listed with keys the gateway refuses (too weak, of a type or algorithm it does not take). */
  private refusedKids = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastWarnedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly config: JwksKeyConfig) {
    this.client = new JwksClient({
      jwksUri: config.url,
      cache: false,
      rateLimit: false,
      // jwks-rsa's own request only has a socket idle timeout, which an endpoint
      // trickling bytes never trips, and cannot be cancelled at shutdown.
      fetcher: (uri) => this.fetchDocument(uri),
    });
  }

  /**
   * Waits for the first fetch, bounded by its timeout, so a healthy gateway
   * starts with keys; an unreachable endpoint delays boot by at most that
   * and is only logged, since tokens fail closed (401) until keys arrive.
   */
  async onModuleInit(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.refreshIntervalMs);
    // A refresh timer alone must not keep the process alive.
    this.timer.unref();
    this.retryUntilKeys();
  }

  private retryUntilKeys(): void {
    if (this.hasKeys || this.stopped.signal.aborted) {
      return;
    }
    this.retryTimer = setTimeout(
      () => void this.refresh().then(() => this.retryUntilKeys()),
      NO_KEYS_RETRY_AFTER_S * 1000,
    );
    this.retryTimer.unref();
  }

  /** Whether any signing key is held: without one, no token can be verified. */
  get hasKeys(): boolean {
    return this.keys.size > 0;
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    this.stopped.abort();
  }

  /**
   * The key that verifies a token with this header; throws {@link InvalidTokenError}
   * when there is none, and a 503 problem when it cannot tell yet.
   */
  async keyFor(
    kid: string | undefined,
    algorithm: string,
    issuedAt: () => number | undefined = () => undefined,
  ): Promise<KeyObject> {
    // A token without kid cannot match a published key, and fetching again would not change that.
    if (kid === undefined || this.refusedKids.has(kid)) {
      throw new InvalidTokenError('unknown-key');
    }
    let key = this.keys.get(kid);
    let lookedUp = true;
    if (key === undefined) {
      lookedUp = await this.refreshForUnknownKid();
      key = this.keys.get(kid);
    }
    if (key === undefined && !this.hasKeys) {
      // No key was ever had, so none could be checked: retry when the endpoint is asked again.
      throw cannotVerifyYet(NO_KEYS_RETRY_AFTER_S);
    }
    if (key === undefined && !lookedUp && this.mayBeNewer(issuedAt())) {
      /*
       * The key set was not asked for this kid: a key published since the
       * last fetch would verify it, and a 401 would have the client drop a
       * good token and sign its user in again. The first unknown kid after
       * the cooldown fetches again, so a retry then gets its answer.
       */
      throw cannotVerifyYet(this.cooldownLeftS());
    }
    if (key === undefined) {
      throw new InvalidTokenError('unknown-key');
    }
    if (key.algorithm !== algorithm) {
      throw new InvalidTokenError('algorithm-not-allowed');
    }
    return key.key;
  }

  /** Fetches the key set again, or joins the fetch under way; false when the cooldown allows neither. */
  private async refreshForUnknownKid(): Promise<boolean> {
    if (this.inFlight !== undefined) {
      await this.inFlight;
      return true;
    }
    const now = Date.now();
    if (now - this.lastUnknownKidRefreshAt < this.config.unknownKidCooldownMs) {
      return false;
    }
    this.lastUnknownKidRefreshAt = now;
    await this.refresh();
    return true;
  }

  /**
   * Whether a token issued at `issuedAt` (seconds, its `iat`) may be signed
   * with a key published after the keys held now were fetched. An identity
   * provider publishes a key before it signs with it, so a token issued
   * well before that fetch names a key the fetch would have found: one it
   * did not is withdrawn or never was, a 401. Without `iat` nobody can tell.
   */
  private mayBeNewer(issuedAt: number | undefined): boolean {
    return issuedAt === undefined || issuedAt * 1000 > this.lastLoadStartedAt - ISSUED_BEFORE_FETCH_MARGIN_MS;
  }

  /** Whole seconds until an unknown kid may fetch again, at least 1 (Retry-After has no smaller unit). */
  private cooldownLeftS(): number {
    const leftMs = this.lastUnknownKidRefreshAt + this.config.unknownKidCooldownMs - Date.now();
    return Math.max(1, Math.ceil(leftMs / 1000));
  }

  /** Never rejects: a failed refresh keeps the keys we have. */
  private refresh(): Promise<void> {
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async load(): Promise<void> {
    const startedAt = Date.now();
    try {
      const { usable: loaded, refused } = this.usableKeys(await this.client.getSigningKeys());
      this.refusedKids = refused;
      if (loaded.size === 0) {
        this.warn(`JWKS lists no RS256 or ES256 key with a kid; keeping ${this.keys.size} cached keys`);
        return;
      }
      this.keys = loaded;
      this.lastLoadStartedAt = startedAt;
      this.lastWarnedAt = Number.NEGATIVE_INFINITY;
      this.logger.debug(`Loaded ${loaded.size} JWKS signing keys`);
    } catch (error) {
      this.warn(`JWKS refresh failed (${messageOf(error)}); keeping ${this.keys.size} cached keys`);
    }
  }

  /** A warning, then at most one a minute while the endpoint keeps failing: the retries every few seconds repeat it. */
  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarnedAt >= WARN_EVERY_MS) {
      this.lastWarnedAt = now;
      this.logger.warn(message);
    } else {
      this.logger.debug(message);
    }
  }

  private async fetchDocument(uri: string): Promise<{ keys: unknown[] }> {
    /*
     * The timeout is a controller and a timer of our own, not
     * AbortSignal.timeout(): inside AbortSignal.any() Node 20 holds a timeout
     * signal only weakly, and a collection before it fired left the fetch,
     * and every token waiting on this refresh, hanging for good
     * (nodejs/node#57736). Seen once a new module's allocations moved the
     * collector's timing: a hanging endpoint held requests 20 s and more.
     */
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new DOMException('The JWKS fetch timed out', 'TimeoutError')),
      FETCH_TIMEOUT_MS,
    );
    try {
      const response = await fetch(uri, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.any([this.stopped.signal, timeout.signal]),
      });
      if (!response.ok) {
        throw new Error(`JWKS endpoint answered HTTP ${response.status}`);
      }
      const document: unknown = await response.json();
      const keys =
        typeof document === 'object' && document !== null ? (document as { keys?: unknown }).keys : undefined;
      if (!Array.isArray(keys)) {
        throw new Error('JWKS document has no keys array');
      }
      return { keys };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The keys a JWKS lists that the gateway trusts, and the kids of those it lists but refuses. */
  private usableKeys(signingKeys: SigningKey[]): { usable: Map<string, CachedKey>; refused: Set<string> } {
    const usable = new Map<string, CachedKey>();
    const refused = new Set<string>();
    for (const signingKey of signingKeys) {
      // jwks-rsa leaves kid and alg out when the JWK has none, whatever its types say.
      const kid: string | undefined = signingKey.kid;
      if (kid === undefined) {
        continue;
      }
      const declared: string | undefined = signingKey.alg;
      const key = createPublicKey(signingKey.getPublicKey());
      const algorithm = this.algorithmFor(key);
      if (
        algorithm === undefined ||
        (declared !== undefined && declared !== algorithm) ||
        (algorithm === 'RS256' && this.isWeakRsaKey(kid, key))
      ) {
        refused.add(kid);
        continue;
      }
      usable.set(kid, { algorithm, key });
    }
    for (const kid of usable.keys()) {
      refused.delete(kid);
    }
    return { usable, refused };
  }

  /**
   * An RSA key too short to trust: whoever factors it signs any token.
   * Warned about when a fetch first lists it, not again at every refresh.
   */
  private isWeakRsaKey(kid: string, key: KeyObject): boolean {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits >= MIN_RSA_MODULUS_BITS) {
      return false;
    }
    if (!this.refusedKids.has(kid)) {
      this.logger.warn(
        `JWKS key ${kid} is an RSA key of ${bits} bits, under ${MIN_RSA_MODULUS_BITS}: tokens it signs are refused`,
      );
    }
    return true;
  }

  private algorithmFor(key: KeyObject): JwksAlgorithm | undefined {
    const algorithm =
      key.asymmetricKeyType === 'rsa'
        ? 'RS256'
        : key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
          ? 'ES256'
          : undefined;
    return algorithm !== undefined && this.config.algorithms.includes(algorithm) ? algorithm : undefined;
  }
}
