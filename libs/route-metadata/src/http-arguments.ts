import type { ArgumentsHost } from '@nestjs/common';

/*
 * An HTTP request's request and reply objects, as Nest hands them to
 * guards and parameter decorators. `switchToHttp()` assigns three
 * new closures onto the context on every call, and the guards and
 * decorators of one request call it about eight times: 2.5 KB of garbage
 * a request (bench/RESULTS.md). Its getters read these two arguments by
 * index, as `ArgumentsHost.getArgByIndex` documents.
 */

export function httpRequestOf<T>(host: ArgumentsHost): T {
  return host.getArgByIndex<T>(0);
}

export function httpReplyOf<T>(host: ArgumentsHost): T {
  return host.getArgByIndex<T>(1);
}
