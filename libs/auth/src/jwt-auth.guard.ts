import { ProblemError } from '@app/problem';
import { Metrics, requestContextOf } from '@app/observability';
import { httpRequestOf, perRoute } from '@app/route-metadata';
import { APP_CONFIG, MAX_API_KEY_LENGTH, type ApiKeyConsumer, type AppConfig } from '@app/config';
import { Inject, Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { AuthGuard } from '@nestjs/passport';
import type { IncomingHttpHeaders } from 'node:http';
import type { Observable } from 'rxjs';
import { callerFromConsumer, isCaller, type Caller } from './caller.js';
import { consumerRefused, USERS_ONLY } from './current-user.decorator.js';
import { FailedAttempts, keyRefusalCounts, tokenRefusalCounts } from './failed-attempts.js';
import { BEARER_PREFIX, JwtStrategy } from './jwt.strategy.js';
import { matchApiKey } from './match-api-key.js';
import { PUBLIC_ROUTE } from './public.decorator.js';
import {
  invalidApiKeyProblem,
  invalidTokenReason,
  unauthorizedProblem,
  type InvalidApiKeyReason,
} from './unauthorized-problem.js';

/** Node lower-cases header names; clients send `X-API-Key`. */
const API_KEY_HEADER = 'x-api-key';

interface AuthenticatedRequest {
  headers: IncomingHttpHeaders;
  /** The client's address, as Fastify resolves it (X-Forwarded-For from trusted proxies only). */
  ip: string;
  /** Fastify's request id: the X-Request-Id the answer carries. */
  id: string;
  user?: Caller;
}

/** All passport and passport-jwt read of a request; passport writes `user` (and its helpers) back onto it. */
interface BearerCredentials {
  headers: { authorization?: string };
  /** Not read by passport: where a refusal is counted against, and the request its log line names. */
  ip: string;
  requestId: string;
  user?: unknown;
}

/** Names the caller in the request context, for the access log: kind and id, never a credential. */
function noteCaller(request: object, caller: Caller): void {
  const context = requestContextOf(request);
  if (context !== undefined) {
    context.callerId = `${caller.kind}:${caller.id}`;
  }
}

/**
 * Global guard: a public route passes; a request with an `X-API-Key` is a
 * consumer, checked against the configured key hashes; any other request
 * needs a Bearer token, which passport-jwt extracts and verifies (see
 * JwtStrategy). Every refusal is a 401 problem with a WWW-Authenticate
 * challenge of the scheme that was tried, or of both schemes a route takes
 * when the request tried neither.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  private readonly logger = new Logger(JwtAuthGuard.name);
  private readonly consumers: readonly ApiKeyConsumer[];
  private readonly isPublic = perRoute(
    (handler, controller) =>
      this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, [handler, controller]) === true,
  );
  private readonly servesUsersOnly = perRoute(
    (handler) => this.reflector.get<boolean | undefined>(USERS_ONLY, handler) === true,
  );

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(JwtStrategy) private readonly strategy: JwtStrategy,
    @Inject(FailedAttempts) private readonly failures: FailedAttempts,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {
    super();
    this.consumers = config.apiKeys;
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> | Observable<boolean> {
    if (this.isPublic(context)) {
      return true;
    }
    const request = httpRequestOf<AuthenticatedRequest>(context);
    const heldBackMs = this.failures.heldBackForMs(request.ip);
    if (heldBackMs > 0 && !this.strategy.remembers(request.headers.authorization)) {
      // A 429 like the rate limits', counted with them: a dashboard of refusals would miss a lockout.
      this.metrics.countThrottled('ip');
      throw this.failures.problem(heldBackMs);
    }
    if (request.headers[API_KEY_HEADER] !== undefined) {
      request.user = this.consumerFor(request);
      noteCaller(request, request.user);
      if (this.servesUsersOnly(context)) {
        throw consumerRefused();
      }
      return true;
    }
    return this.verifyBearer(request, context);
  }

  /**
   * Has passport-jwt verify the Bearer token through @nestjs/passport, on a
   * stand-in request that carries the Authorization header and nothing else.
   * Handed the Fastify request, passport's and passport-jwt's per-request
   * callbacks kept each request's whole graph (request, reply, headers, the
   * aggregate's state) alive through V8's young-generation collections, so
   * all of it, 5 KB a request, was copied into the old generation to die
   * there (measured with --trace-gc-nvp; bench/RESULTS.md). Given the
   * stand-in, they keep only it.
   */
  private async verifyBearer(request: AuthenticatedRequest, context: ExecutionContext): Promise<boolean> {
    const credentials: BearerCredentials = {
      headers: { authorization: request.headers.authorization },
      ip: request.ip,
      requestId: request.id,
    };
    const standIn = new ExecutionContextHost(
      [credentials, {}, undefined],
      context.getClass(),
      context.getHandler(),
    );
    await (super.canActivate(standIn) as Promise<boolean>);
    // handleRequest has checked it is a Caller; AuthGuard put it on the stand-in.
    const caller = credentials.user as Caller;
    request.user = caller;
    noteCaller(request, caller);
    return true;
  }

  /** passport hands over either an error (thrown by our validate) or a failure `info` (from passport-jwt). */
  override handleRequest<TUser>(
    error: unknown,
    user: unknown,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    if (!error && isCaller(user)) {
      return user as TUser;
    }
    const failure = error ?? info;
    if (failure instanceof ProblemError && failure.status >= 500) {
      // The gateway cannot verify tokens right now (no signing key yet): nothing the client did wrong.
      throw failure;
    }
    const reason = invalidTokenReason(failure);
    if (reason === undefined && error) {
      // Not a token problem but a fault of ours: let the global filter answer 500 and log it.
      throw error;
    }
    const refused = reason ?? 'invalid';
    const credentials = context.switchToHttp().getRequest<BearerCredentials>();
    if (tokenRefusalCounts(refused)) {
      this.failures.record(credentials.ip);
    }
    this.logger.debug({ requestId: credentials.requestId, msg: `Access token refused: ${refused}` });
    throw unauthorizedProblem(refused, this.takesApiKeys(context) ? 'bearer-or-api-key' : 'bearer');
  }

  /** Whether a consumer's key could open this route: some are configured, and the route does not serve users only. */
  private takesApiKeys(context: ExecutionContext): boolean {
    return this.consumers.length > 0 && !this.servesUsersOnly(context);
  }

  /**
   * The consumer whose key the request carries. A request that also carries
   * a Bearer token is refused rather than resolved either way: two
   * credentials mean a confused client or a proxy adding a key to traffic
   * that is not its own, and letting the key win would run a person's
   * request with the consumer's roles (and the consumer's name as the user
   * id), while letting the token win would hide a key that may be wrong.
   */
  private consumerFor(request: AuthenticatedRequest): Caller {
    const presented = request.headers[API_KEY_HEADER];
    const authorization = request.headers.authorization;
    if (authorization !== undefined && BEARER_PREFIX.test(authorization)) {
      this.refuse('with-bearer-token', request);
    }
    // A repeated header arrives as a list (or joined by commas, which no configured key matches).
    if (typeof presented !== 'string') {
      this.refuse('unknown', request);
    }
    if (presented.length > MAX_API_KEY_LENGTH) {
      this.refuse('too-large', request);
    }
    const consumer = matchApiKey(presented, this.consumers);
    if (consumer === undefined) {
      this.refuse('unknown', request);
    }
    return callerFromConsumer(consumer);
  }

  /** Logs the reason, never the key: a key in a log is a key anyone with log access can use. */
  private refuse(reason: InvalidApiKeyReason, request: AuthenticatedRequest): never {
    if (keyRefusalCounts(reason)) {
      this.failures.record(request.ip);
    }
    this.logger.debug({ requestId: request.id, msg: `API key refused: ${reason}` });
    throw invalidApiKeyProblem(reason);
  }
}
