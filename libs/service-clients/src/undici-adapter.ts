import { timeoutAfterReads, type CancelSignal } from '@app/cancellation';
import {
  Axios,
  AxiosError,
  AxiosHeaders,
  CanceledError,
  type AxiosAdapter,
  type AxiosResponse,
  type GenericAbortSignal,
  type InternalAxiosRequestConfig,
} from 'axios';
import type { IncomingHttpHeaders } from 'node:http';
import { errors, type Dispatcher } from 'undici';

/*
 * axios stays the service clients' API; this adapter only replaces its
 * node:http transport with undici's connection pools, which the benchmark
 * showed to cost far less CPU per call. It reports failures with the codes
 * axios's own adapter uses, so callers classify them the same way.
 */

declare module 'axios' {
  interface AxiosRequestConfig {
    /**
     * Header fields handed to undici as they are: name then value, names in
     * lower case. For fields the caller writes itself: axios normalizes and
     * checks each field of `headers` again on every call (four fields took
     * 5.4 of a 14.7 µs call, measured alone), while an array passes through
     * its config merge as a copy. `headers` still works, for any field these
     * do not name.
     */
    headerFields?: string[];
    /**
     * `false` for a call that reads only the answer's status and body: its
     * header fields are left out of the response, except on an answer that
     * asks the caller to wait (429, 503), whose `Retry-After` the caller
     * passes on. axios copies and normalizes every field of an answer again
     * on its way back: a call answered with six fields took 8.1 µs with them
     * and 6.6 without, measured alone, for callers that never look at them.
     */
    answerHeaders?: boolean;
  }
}

type QueryValue = string | number | boolean | null | undefined;
type Query = Record<string, QueryValue | readonly QueryValue[]>;

const ABSOLUTE_URL = /^[a-z][a-z\d+.-]*:\/\//i;

/** Statuses by which an upstream may ask to be left alone for a while (RFC 9110 `Retry-After`). */
const ASKS_TO_WAIT = new Set([429, 503]);

/** Where a request goes, in the two parts undici takes. */
export interface Target {
  origin: string;
  /** Path and query string, encoded. */
  path: string;
}

/** Every call to an instance shares its base URL: parsed once, not once per call. */
const parsedBases = new Map<string, { origin: string; prefix: string }>();
/** Instances come and go with DNS (pods get new addresses): past this many, start over rather than grow. */
const MAX_PARSED_BASES = 1024;

function parseBase(baseURL: string): { origin: string; prefix: string } {
  let parsed = parsedBases.get(baseURL);
  if (parsed === undefined) {
    if (parsedBases.size >= MAX_PARSED_BASES) {
      parsedBases.clear();
    }
    const url = new URL(baseURL);
    parsed = { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
    parsedBases.set(baseURL, parsed);
  }
  return parsed;
}

function queryField(name: string, value: QueryValue): string {
  return value === undefined || value === null
    ? ''
    : `&${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`;
}

/**
 * `path` with `params` appended as a query string, encoded as axios's own
 * serializer would: null and undefined values left out, `&` after a query
 * the path already has; a list is the field repeated once per value, in
 * order (`status=paid&status=shipped`), as a relayed client sent it.
 */
export function withQuery(path: string, params: Query | undefined): string {
  let query = '';
  if (params !== undefined) {
    for (const name of Object.keys(params)) {
      const value = params[name];
      if (Array.isArray(value)) {
        for (const each of value as readonly QueryValue[]) {
          query += queryField(name, each);
        }
      } else {
        query += queryField(name, value as QueryValue);
      }
    }
  }
  if (query === '') {
    return path;
  }
  return `${path}${path.includes('?') ? '&' : '?'}${query.slice(1)}`;
}

/** axios's rule: a relative url is appended to baseURL with exactly one slash between them. */
export function targetOf(baseURL: string | undefined, url: string | undefined, params?: Query): Target {
  const path = url ?? '';
  if (baseURL === undefined || ABSOLUTE_URL.test(path)) {
    const absolute = new URL(path);
    return { origin: absolute.origin, path: withQuery(`${absolute.pathname}${absolute.search}`, params) };
  }
  const { origin, prefix } = parseBase(baseURL);
  const relative = path.startsWith('/') ? path : `/${path}`;
  return { origin, path: withQuery(`${prefix}${relative}`, params) };
}

/**
 * `headerFields`, then any field of `headers` they do not already name.
 * axios gives every POST, PUT and PATCH a form Content-Type unless one is
 * set: a write with no body goes without one, rather than with a type the
 * caller never chose, which a strict upstream refuses (415).
 */
function requestHeaders(config: InternalAxiosRequestConfig): string[] {
  const fields = config.headerFields ?? [];
  const named = Object.entries(config.headers.toJSON(true));
  if (named.length === 0) {
    return fields;
  }
  const all = [...fields];
  const taken = new Set(fields.filter((_field, index) => index % 2 === 0));
  if (config.data === undefined || config.data === null) {
    taken.add('content-type');
  }
  for (const [name, value] of named) {
    const lowerName = name.toLowerCase();
    if (typeof value === 'string' && !taken.has(lowerName)) {
      all.push(lowerName, value);
    }
  }
  return all;
}

function requestBody(data: unknown): string | Buffer | undefined {
  if (data === undefined || data === null) {
    return undefined;
  }
  if (typeof data === 'string' || Buffer.isBuffer(data)) {
    return data;
  }
  // transformRequest has already turned objects into JSON; anything else is a caller's mistake.
  throw new AxiosError('request body must be a string or a Buffer', AxiosError.ERR_BAD_REQUEST);
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/*
 * One exchange read whole, as text, through undici's dispatch handler
 * rather than its request(): request() wraps every answer's body in a Node
 * Readable, whose state machine and ticks a JSON answer read in one piece
 * does not need (34.4 against 39.7 µs of CPU per call to a demo service,
 * measured alone), and listens to a signal the adapter would have to make.
 */
class TextExchange implements Dispatcher.DispatchHandler {
  readonly answer: Promise<Answer>;
  private resolve!: (answer: Answer) => void;
  private reject!: (reason: unknown) => void;
  private settled = false;
  private controller: Dispatcher.DispatchController | undefined;
  /** Why it was stopped before undici started it; undici is told once it does. */
  private stoppedEarly: Error | undefined;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private received = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly tooLarge: () => Error,
  ) {
    this.answer = new Promise<Answer>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Ends the exchange now: the answer rejects with `reason` at once, and undici drops the request. */
  stop(reason: Error): void {
    if (this.settled) {
      return;
    }
    this.settled = true;
    this.reject(reason);
    if (this.controller === undefined) {
      this.stoppedEarly = reason;
    } else {
      this.controller.abort(reason);
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.stoppedEarly !== undefined) {
      controller.abort(this.stoppedEarly);
    }
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    // An informational answer (100 Continue) comes before the real one.
    if (statusCode < 200) {
      return;
    }
    const declared = typeof headers['content-length'] === 'string' ? Number(headers['content-length']) : NaN;
    if (this.maxBytes >= 0 && declared > this.maxBytes) {
      this.stop(this.tooLarge());
      return;
    }
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) {
      return;
    }
    this.received += chunk.length;
    if (this.maxBytes >= 0 && this.received > this.maxBytes) {
      this.stop(this.tooLarge());
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (!this.settled) {
      this.settled = true;
      const body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      this.resolve({ status: this.status, headers: this.headers, text: body.toString('utf8') });
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (!this.settled) {
      this.settled = true;
      this.reject(error);
    }
  }
}

function isCancelSignal(signal: GenericAbortSignal): signal is GenericAbortSignal & CancelSignal {
  return typeof (signal as Partial<CancelSignal>).onAbort === 'function';
}

/** Calls `listener` when the caller's signal aborts, whether the gateway's own kind or an AbortSignal; returns what stops listening. */
function onCallerAbort(signal: GenericAbortSignal | undefined, listener: () => void): () => void {
  if (signal === undefined) {
    return () => undefined;
  }
  if (isCancelSignal(signal)) {
    return signal.onAbort(listener);
  }
  signal.addEventListener?.('abort', listener, { once: true });
  return () => signal.removeEventListener?.('abort', listener);
}

/*
 * undici has already parsed and checked the header block (names in lower
 * case, values trimmed, no control characters), so the fields are copied
 * into axios's header type as they are: handed a plain object, axios would
 * normalize and sanitize each field again: 1.7 of the 17.1 µs a call took,
 * measured alone against a dispatcher that answers at once.
 */
function axiosHeadersOf(headers: IncomingHttpHeaders): AxiosHeaders {
  return Object.assign(new AxiosHeaders(), headers);
}

/** undici's and the system's failures carry a code; anything without one is a fault of ours and stays as it is. */
/** What undici's HTTP parser reports when an upstream's bytes are not HTTP, where it gives no code of its own. */
const INVALID_HTTP_CODE = 'HPE_INVALID_RESPONSE';

function transportError(error: unknown, config: InternalAxiosRequestConfig): unknown {
  /*
   * undici 7 looks the parser's code up in a table keyed by name, so an
   * answer that is not HTTP at all (a TLS port behind an http:// URL, a
   * broken proxy) arrives without one, and would pass for the gateway's own
   * fault: a 500, no instance ejected, no breaker told.
   */
  const code =
    (error as { code?: unknown } | null)?.code ??
    (error instanceof errors.HTTPParserError ? INVALID_HTTP_CODE : undefined);
  if (typeof code !== 'string' || !(error instanceof Error)) {
    return error;
  }
  const axiosError = new AxiosError(error.message, code, config);
  axiosError.cause = error;
  return axiosError;
}

/**
 * An axios adapter over an undici dispatcher (an Agent with keep-alive pools
 * per origin). Honours `timeout` (whole exchange, ETIMEDOUT), `signal`
 * (CanceledError) and `maxContentLength`, `defaultMaxBytes` when a call sets
 * none. Every answer resolves, whatever its status, with its body as text:
 * the callers read the status themselves and parse the JSON they expect.
 */
export function undiciAdapter(dispatcher: Dispatcher, defaultMaxBytes: number): AxiosAdapter {
  return async (config): Promise<AxiosResponse<string>> => {
    if (config.signal?.aborted === true) {
      throw new CanceledError(undefined, undefined, config);
    }
    const target = targetOf(config.baseURL, config.url, config.params as Query | undefined);
    const maxBytes = config.maxContentLength ?? defaultMaxBytes;
    const exchange = new TextExchange(
      maxBytes,
      () =>
        new AxiosError(`maxContentLength size of ${maxBytes} exceeded`, AxiosError.ERR_BAD_RESPONSE, config),
    );
    const timeoutMs = config.timeout ?? 0;
    const stopTimer =
      timeoutMs > 0
        ? timeoutAfterReads(timeoutMs, () =>
            exchange.stop(new AxiosError(`timeout of ${timeoutMs}ms exceeded`, AxiosError.ETIMEDOUT, config)),
          )
        : undefined;
    const stopListening = onCallerAbort(config.signal, () =>
      exchange.stop(new CanceledError(undefined, undefined, config)),
    );
    try {
      dispatcher.dispatch(
        {
          origin: target.origin,
          path: target.path,
          method: (config.method ?? 'get').toUpperCase() as Dispatcher.HttpMethod,
          headers: requestHeaders(config),
          body: requestBody(config.data),
        },
        exchange,
      );
      const answer = await exchange.answer;
      return {
        data: answer.text,
        status: answer.status,
        statusText: '',
        headers:
          config.answerHeaders === false && !ASKS_TO_WAIT.has(answer.status)
            ? new AxiosHeaders()
            : axiosHeadersOf(answer.headers),
        config,
        request: undefined,
      };
    } catch (error) {
      throw error instanceof AxiosError ? error : transportError(error, config);
    } finally {
      stopTimer?.();
      stopListening();
    }
  };
}

/** axios as the service clients call it: a client with nothing in its defaults, and the adapter every call names. */
export interface LeanAxios {
  readonly client: Axios;
  /** Goes on each call's config as `adapter`: see {@link leanAxios}. */
  readonly adapter: AxiosAdapter;
}

/**
 * An axios client with empty defaults, and the undici adapter for its calls
 * to name. axios merges its defaults into every request, then walks the
 * merged config's keys again to check and flatten it, so each key costs
 * every call: the defaults `axios.create()` copies (a header table per
 * method, its environment, transitional options, transforms) were 5% of
 * the gateway's CPU in the profile for settings no call here needs, so the
 * client is an `Axios` made with none. The adapter, the one setting left,
 * goes on each call rather than in the defaults: axios starts the merge
 * with `{ ...defaults, ...call }`, which V8 copies key by key on its slow
 * path whenever the first object has any key (3 µs against 0.2 measured
 * alone) or, in the running gateway, is not a plain object literal (the
 * spread was half of the merge's time in the profile, then a fifth). What
 * the gateway needs is the adapter's own behaviour rather than a setting:
 * it answers every status and returns the body as text, and it holds the
 * body limit (three keys fewer per call: bench/RESULTS.md).
 */
export function leanAxios(pools: Dispatcher, maxContentLength: number): LeanAxios {
  return { client: new Axios({}), adapter: undiciAdapter(pools, maxContentLength) };
}
