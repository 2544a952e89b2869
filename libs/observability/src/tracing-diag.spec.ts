import { withoutStack } from './tracing.js';

describe(withoutStack.name, () => {
  it("logs a failed span export by its message, without the SDK's stack and install paths", () => {
    const serialised = JSON.stringify({
      stack:
        'Error: Timeout\n    at Timeout._onTimeout (/srv/app/node_modules/@opentelemetry/sdk-trace/x.js:127:24)',
      message: 'Timeout',
      name: 'Error',
    });
    expect(withoutStack(serialised)).toBe('Error: Timeout');
    expect(withoutStack(new TypeError('fetch failed'))).toBe('TypeError: fetch failed');
    expect(withoutStack('Export failed with retryable status')).toBe('Export failed with retryable status');
    expect(withoutStack('{not json')).toBe('{not json');
  });
});
