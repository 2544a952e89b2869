import type { CancelSignal } from '@app/cancellation';
import axios, {
  AxiosError,
  AxiosHeaders,
  CanceledError,
  type AxiosAdapter,
  type AxiosInstance,
  type AxiosResponse,
  type GenericAbortSignal,
  type InternalAxiosRequestConfig,
} from 'axios';
import { EventEmitter } from 'node:events';
import type { Dispatcher } from 'undici';

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
  }
}

type Query = Record<string, string | number | boolean | null | undefined>;

const ABSOLUTE_URL = /^[a-z][a-z\d+.-]*:\/\//i;

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

/**
 * `path` with `params` appended as a query string, encoded as axios's own
 * serializer would: null and undefined values left out, `&` after a query
 * the path already has.
 */
export function withQuery(path: string, params: Query | undefined): string {
  let query = '';
  if (params !== undefined) {
    for (const name of Object.keys(params)) {
      const value = params[name];
      if (value !== undefined && value !== null) {
        query += `&${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`;
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

/** `headerFields`, then any field of `headers` they do not already name (axios adds a Content-Type to every write). */
function requestHeaders(config: InternalAxiosRequestConfig): string[] {
  const fields = config.headerFields ?? [];
  const named = Object.entries(config.headers.toJSON(true));
  if (named.length === 0) {
    return fields;
  }
  const all = [...fields];
  const taken = new Set(fields.filter((_field, index) => index % 2 === 0));
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

async function readText(
  body: Dispatcher.ResponseData['body'],
  declaredLength: string | string[] | undefined,
  maxBytes: number,
  config: InternalAxiosRequestConfig,
): Promise<string> {
  const tooLarge = (): AxiosError =>
    new AxiosError(`maxContentLength size of ${maxBytes} exceeded`, AxiosError.ERR_BAD_RESPONSE, config);
  const declared = typeof declaredLength === 'string' ? Number(declaredLength) : Number.NaN;
  if (declared > maxBytes && maxBytes >= 0) {
    // Destroying an unread body makes undici emit an abort error: expected here, so it is listened to.
    body.once('error', () => undefined);
    body.destroy();
    throw tooLarge();
  }
  // A declared length is enforced by undici itself (a longer body is a protocol error): no need to count.
  if (maxBytes < 0 || declared <= maxBytes) {
    return body.text();
  }
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of body) {
    received += (chunk as Buffer).length;
    if (received > maxBytes) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
}

/*
 * What stops one call, for undici, which takes an EventEmitter as a signal
 * as readily as an AbortSignal. An AbortController per call (and the
 * EventTarget listeners undici adds to it) cost 2-3% of the gateway's CPU
 * in the profile; an emitter costs a fraction of that.
 */
class CallCancellation extends EventEmitter {
  aborted = false;

  abort(): void {
    if (!this.aborted) {
      this.aborted = true;
      this.emit('abort');
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
function answerHeaders(headers: Dispatcher.ResponseData['headers']): AxiosHeaders {
  return Object.assign(new AxiosHeaders(), headers);
}

/** undici's and the system's failures carry a code; anything without one is a fault of ours and stays as it is. */
function transportError(error: unknown, config: InternalAxiosRequestConfig): unknown {
  const code = (error as { code?: unknown } | null)?.code;
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
 * (CanceledError), `maxContentLength` and `responseType: 'text'`.
 */
export function undiciAdapter(dispatcher: Dispatcher): AxiosAdapter {
  return async (config): Promise<AxiosResponse<string>> => {
    const target = targetOf(config.baseURL, config.url, config.params as Query | undefined);
    const cancellation = new CallCancellation();
    let timedOut = false;
    const timeoutMs = config.timeout ?? 0;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            cancellation.abort();
          }, timeoutMs)
        : undefined;
    if (config.signal?.aborted === true) {
      clearTimeout(timer);
      throw new CanceledError(undefined, undefined, config);
    }
    const stopListening = onCallerAbort(config.signal, () => cancellation.abort());
    try {
      const response = await dispatcher.request({
        origin: target.origin,
        path: target.path,
        method: (config.method ?? 'get').toUpperCase() as Dispatcher.HttpMethod,
        headers: requestHeaders(config),
        body: requestBody(config.data),
        signal: cancellation,
      });
      const data = await readText(
        response.body,
        response.headers['content-length'],
        config.maxContentLength ?? -1,
        config,
      );
      return {
        data,
        status: response.statusCode,
        statusText: '',
        headers: answerHeaders(response.headers),
        config,
        request: undefined,
      };
    } catch (error) {
      if (timedOut) {
        throw new AxiosError(`timeout of ${timeoutMs}ms exceeded`, AxiosError.ETIMEDOUT, config);
      }
      if (cancellation.aborted) {
        throw new CanceledError(undefined, undefined, config);
      }
      throw error instanceof AxiosError ? error : transportError(error, config);
    } finally {
      clearTimeout(timer);
      stopListening();
    }
  };
}

/**
 * An axios client whose defaults hold only what our calls use. axios merges
 * its defaults into every request (a deep copy of its header table per
 * method, its environment, its transitional options): 5% of the gateway's
 * CPU in the profile for settings no call here needs. The transport sends
 * JSON text itself, so no request or response transform runs: left out
 * rather than set to empty lists, which axios would copy on every call, as
 * it would an empty table of default headers (together 2.4 of the 15.4 µs a
 * call took, measured the same way).
 */
export function leanAxios(pools: Dispatcher, maxContentLength: number): AxiosInstance {
  const http = axios.create();
  // The instance shares this object with the client it wraps: it is emptied and refilled, not replaced.
  const defaults = http.defaults as unknown as Record<string, unknown>;
  for (const key of Object.keys(defaults)) {
    delete defaults[key];
  }
  Object.assign(defaults, {
    adapter: undiciAdapter(pools),
    responseType: 'text',
    validateStatus: () => true,
    maxContentLength,
  });
  return http;
}
