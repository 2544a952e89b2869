import { corsAnswerHeaders } from './cors-answer-headers.js';

describe(corsAnswerHeaders.name, () => {
  it('names an allowlisted origin back, with credentials, and exposes the headers scripts read', () => {
    expect(corsAnswerHeaders('https://app.example.com', ['https://app.example.com'])).toMatchObject({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
      'access-control-expose-headers': expect.stringContaining('X-Request-Id'),
    });
  });

  it('allows any origin without credentials under *, and no origin not on the list', () => {
    expect(corsAnswerHeaders('https://else.example.com', ['*'])).toMatchObject({
      'access-control-allow-origin': '*',
    });
    expect(corsAnswerHeaders('https://else.example.com', ['*'])).not.toHaveProperty(
      'access-control-allow-credentials',
    );
    expect(corsAnswerHeaders('https://evil.example.com', ['https://app.example.com'])).toEqual({
      vary: 'Origin',
    });
    expect(corsAnswerHeaders('https://app.example.com', [])).toEqual({});
  });
});
