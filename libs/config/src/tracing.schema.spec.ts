import { ConfigError } from './config.error.js';
import { loadConfig } from './load-config.js';
import { tracesUrl } from './tracing.schema.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('tracing configuration', () => {
  it('builds no tracing at all when no collector is named', () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(
      loadConfig({ OTEL_SERVICE_NAME: 'gateway', OTEL_TRACES_SAMPLER: 'always_on' }).tracing,
    ).toBeUndefined();
  });

  it('stays off when the exporter or the whole SDK is switched off, even with an endpoint', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).tracing).toBeUndefined();
    for (const yes of ['true', 'TRUE', '1', 'yes', 'On']) {
      expect(loadConfig({ ...endpoint, OTEL_SDK_DISABLED: yes }).tracing).toBeUndefined();
    }
    expect(loadConfig({ ...endpoint, OTEL_SDK_DISABLED: '0' }).tracing).toBeDefined();
  });

  it('sends to v1/traces under the base endpoint, with the standard defaults', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toEqual({
      url: 'http://collector:4318/v1/traces',
      headers: {},
      exportTimeoutMs: 10_000,
      serviceName: undefined,
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      batchDelayMs: 5_000,
    });
  });

  it('takes the traces endpoint as given, and it wins over the base endpoint', () => {
    expect(
      tracesUrl({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otlp.vendor.example/api/traces',
      }),
    ).toBe('https://otlp.vendor.example/api/traces');
    expect(
      tracesUrl({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://gw.example/otlp/',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
      }),
    ).toBe('https://gw.example/otlp/v1/traces');
  });

  it('reads export headers as URL-encoded key=value pairs, the way the SDK does', () => {
    const tracing = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D%3D, x-tenant = blue',
    }).tracing;
    expect(tracing?.headers).toEqual({ 'x-api-key': 'abc==', 'x-tenant': 'blue' });
  });

  it('names each bad tracing variable without echoing its value', () => {
    const problems = problemsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=hunter2,broken',
      OTEL_TRACES_SAMPLER: 'sometimes',
      OTEL_TRACES_SAMPLER_ARG: '2',
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_BSP_SCHEDULE_DELAY: 'soon',
    });
    expect(problems.map((line) => line.split(':')[0]).sort()).toEqual([
      'OTEL_BSP_SCHEDULE_DELAY',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_EXPORTER_OTLP_HEADERS',
      'OTEL_TRACES_EXPORTER',
      'OTEL_TRACES_SAMPLER',
      'OTEL_TRACES_SAMPLER_ARG',
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('refuses export settings no export could ever deliver with, rather than losing every span', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(problemsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/otlp?tenant=acme' })).toEqual([
      expect.stringMatching(/^OTEL_EXPORTER_OTLP_ENDPOINT: .*without query or fragment/),
    ]);
    expect(problemsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/base#frag' })).toHaveLength(1);
    for (const headers of ['x-api-key=abc%0D%0AX-Injected:%201', 'x-bad=a%0Ab', 'bad key=v']) {
      expect(problemsOf({ ...endpoint, OTEL_EXPORTER_OTLP_HEADERS: headers })).toEqual([
        expect.stringMatching(/^OTEL_EXPORTER_OTLP_HEADERS: /),
      ]);
    }
  });

  it('reads the exporter and the sampler in any case, as the OpenTelemetry specification asks', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'NONE' }).tracing).toBeUndefined();
    expect(loadConfig({ ...endpoint, OTEL_TRACES_SAMPLER: 'ALWAYS_ON' }).tracing?.sampler).toBe('always_on');
  });

  it('keeps the sampler, its ratio, the service name and the batch delay it was given', () => {
    const tracing = loadConfig({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces',
      OTEL_SERVICE_NAME: 'edge-gateway',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
    }).tracing;
    expect(tracing).toMatchObject({
      serviceName: 'edge-gateway',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
      batchDelayMs: 50,
      exportTimeoutMs: 2000,
    });
  });
});
