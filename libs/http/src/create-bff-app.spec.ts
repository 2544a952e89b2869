import { Body, Controller, Get, Module, Post, Req } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@app/config';
import { requestContextOf } from '@app/observability';
import { ProblemError } from '@app/problem';
import { createBffApp } from './create-bff-app.js';

@Controller('probe')
class ProbeController {
  @Post('echo')
  echo(@Body() body: unknown, @Req() request: object): unknown {
    return { body, requestId: requestContextOf(request)?.requestId };
  }

  @Get('context')
  context(@Req() request: object): unknown {
    return requestContextOf(request);
  }

  @Get('problem')
  problem(): never {
    throw new ProblemError('service-unavailable', 'The order service is unavailable.', {
      headers: { 'retry-after': '5' },
    });
  }

  @Get('bug')
  bug(): never {
    throw new Error('connect ECONNREFUSED 10.1.2.3:5432 at db.internal');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe(createBffApp.name, () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    app = await createBffApp(ProbeModule, loadConfig({ LOG_LEVEL: 'fatal', BODY_LIMIT_BYTES: '1024' }), {
      name: 'probe',
      title: 'Probe',
      description: 'A BFF with probe routes only',
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(() => app.close());

  const problemOf = async (response: Response, status: number): Promise<Record<string, unknown>> => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.status).toBe(status);
    expect(body.requestId).toBe(response.headers.get('x-request-id'));
    return body;
  };

  it('answers a method a route does not take with a 405 problem whose Allow names the ones it does', async () => {
    const response = await fetch(`${base}/probe/echo`, { method: 'DELETE' });
    const body = await problemOf(response, 405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(body.detail).toBe('This route accepts POST.');

    const get = await fetch(`${base}/probe/context`, { method: 'PUT' });
    await problemOf(get, 405);
    expect(get.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers OPTIONS with a 405 problem naming the methods there are, when no CORS policy answers it', async () => {
    const response = await fetch(`${base}/probe/context`, { method: 'OPTIONS' });
    await problemOf(response, 405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('keeps a 404 for a path no route has, under any method', async () => {
    await problemOf(await fetch(`${base}/probe/nothing`, { method: 'DELETE' }), 404);
    await problemOf(await fetch(`${base}/probe/echo/more`, { method: 'POST' }), 404);
  });

  it('answers a body sent to a route that does not exist with a 404 or 405, not a complaint about the body', async () => {
    const post = (path: string, body: string, contentType = 'application/json'): Promise<Response> =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
    await problemOf(await post('/probe/nothing', '{"unterminated": '), 404);
    await problemOf(await post('/probe/nothing', 'x=1', 'application/x-www-form-urlencoded'), 404);
    await problemOf(await post('/probe/nothing', JSON.stringify({ padding: 'x'.repeat(2048) })), 404);
    const elsewhere = await post('/probe/context', '{"unterminated": ');
    await problemOf(elsewhere, 405);
    expect(elsewhere.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers an unknown route with a 404 problem naming the path', async () => {
    const body = await problemOf(await fetch(`${base}/no/such/route?token=secret`), 404);
    expect(body.instance).toBe('/no/such/route');
  });

  it('answers a body over the limit with a 413 problem', async () => {
    const response = await fetch(`${base}/probe/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(2048) }),
    });
    await problemOf(response, 413);
  });

  it('answers a body that is not JSON with a 400 problem that does not echo the parser', async () => {
    const response = await fetch(`${base}/probe/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"unterminated": ',
    });
    const body = await problemOf(response, 400);
    expect(body.detail).toBe('The request body is not valid JSON.');
  });

  it('answers an unsupported content type with a 415 problem', async () => {
    const response = await fetch(`${base}/probe/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<a/>',
    });
    await problemOf(response, 415);
  });

  it.each([
    ['text/plain;charset=UTF-8', '{"padding":"x"}'],
    ['application/x-www-form-urlencoded', 'padding=x'],
  ])('takes a %s body for no JSON route: a 415 that says to send JSON', async (type, text) => {
    const response = await fetch(`${base}/probe/echo`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: text,
    });
    const body = await problemOf(response, 415);
    expect(body.detail).toContain('application/json');
  });

  it('keeps the status, detail and headers of a ProblemError', async () => {
    const response = await fetch(`${base}/probe/problem`);
    const body = await problemOf(response, 503);
    expect(body.detail).toBe('The order service is unavailable.');
    expect(response.headers.get('retry-after')).toBe('5');
  });

  it('answers an unexpected error with a generic 500 that leaks nothing', async () => {
    const response = await fetch(`${base}/probe/bug`);
    const body = await problemOf(response, 500);
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|10\.1\.2\.3|db\.internal|at /);
  });

  it('keeps the request context through body parsing, for the handler', async () => {
    const response = await fetch(`${base}/probe/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'ctx-42' },
      body: JSON.stringify({ a: 1 }),
    });
    expect(await response.json()).toEqual({ body: { a: 1 }, requestId: 'ctx-42' });
  });

  it('continues the caller trace and gives every request its own span', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const context = await (await fetch(`${base}/probe/context`, { headers: { traceparent } })).json();
    expect(context.trace).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentSpanId: '00f067aa0ba902b7',
    });
  });

  it('replaces a request id with characters outside the safe set, so it cannot smuggle anything into our headers', async () => {
    const response = await fetch(`${base}/probe/context`, {
      headers: { 'x-request-id': 'a%0d%0aSet-Cookie:%20x=1' },
    });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('set-cookie')).toBeNull();
  });
});
