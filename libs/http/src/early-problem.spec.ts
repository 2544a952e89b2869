import { parserProblemResponse, requestLineOverflowed } from './early-problem.js';

const REQUEST_ID = '6f1c2a4e-8d3b-4f7a-9c11-2b5e7d9a0c33';
const LIMIT = 16 * 1024;

function parserError(
  code: string | undefined,
  packet?: string,
): Error & { code?: string; rawPacket?: Buffer } {
  return Object.assign(new Error('parse failed'), {
    code,
    rawPacket: packet === undefined ? undefined : Buffer.from(packet, 'latin1'),
  });
}

function split(response: string): { head: string[]; body: Record<string, unknown> } {
  const [head, body] = response.split('\r\n\r\n');
  return { head: head.split('\r\n'), body: JSON.parse(body) as Record<string, unknown> };
}

describe(parserProblemResponse.name, () => {
  it('answers headers past the size limit with a 431 problem', () => {
    const { head, body } = split(
      parserProblemResponse(parserError('HPE_HEADER_OVERFLOW'), LIMIT, REQUEST_ID),
    );

    expect(head[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(body).toMatchObject({ status: 431, type: expect.stringMatching(/header-fields-too-large$/) });
  });

  it('answers a request target past the size limit with a 414 problem', () => {
    const packet = `GET /mobile/orders?cursor=${'a'.repeat(LIMIT)} HTTP/1.1\r\nHost: gateway.test\r\n\r\n`;
    const { head, body } = split(
      parserProblemResponse(parserError('HPE_HEADER_OVERFLOW', packet), LIMIT, REQUEST_ID),
    );

    expect(head[0]).toBe('HTTP/1.1 414 URI Too Long');
    expect(body).toMatchObject({ status: 414, type: expect.stringMatching(/uri-too-long$/) });
  });

  it('answers a client too slow to send its request with a 408 problem', () => {
    const { head, body } = split(
      parserProblemResponse(parserError('ERR_HTTP_REQUEST_TIMEOUT'), LIMIT, REQUEST_ID),
    );

    expect(head[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(body.status).toBe(408);
  });

  it('answers any other parse failure with a 400 problem that does not repeat the parser', () => {
    const { head, body } = split(
      parserProblemResponse(parserError('HPE_INVALID_HEADER_TOKEN'), LIMIT, REQUEST_ID),
    );

    expect(head[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(body.detail).toBe('The request is not valid HTTP/1.1.');
    expect(JSON.stringify(body)).not.toContain('HPE_');
  });

  it('names the occurrence by its request id, and sends that id as X-Request-Id', () => {
    const { head, body } = split(parserProblemResponse(parserError(undefined), LIMIT, REQUEST_ID));

    expect(body).toMatchObject({ requestId: REQUEST_ID, instance: `urn:uuid:${REQUEST_ID}` });
    expect(head).toContain(`X-Request-Id: ${REQUEST_ID}`);
    expect(head).toContain('Content-Type: application/problem+json');
    expect(head).toContain('Connection: close');
  });

  it('declares the exact length of its body, multi-byte characters included', () => {
    const response = parserProblemResponse(parserError('HPE_HEADER_OVERFLOW'), LIMIT, REQUEST_ID);
    const [head, body] = response.split('\r\n\r\n');

    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
  });
});

describe(requestLineOverflowed.name, () => {
  const long = 'a'.repeat(LIMIT);

  it('blames the request line when it runs past the limit, ended or not', () => {
    expect(requestLineOverflowed(Buffer.from(`GET /${long} HTTP/1.1\r\nHost: x\r\n`), LIMIT)).toBe(true);
    expect(requestLineOverflowed(Buffer.from(`GET /${long}`), LIMIT)).toBe(true);
  });

  it('blames the header fields when the request line is short', () => {
    expect(requestLineOverflowed(Buffer.from(`GET / HTTP/1.1\r\nX-Padding: ${long}`), LIMIT)).toBe(false);
  });

  it('cannot blame the request line from a chunk that does not start a request', () => {
    expect(requestLineOverflowed(Buffer.from(long), LIMIT)).toBe(false);
    expect(requestLineOverflowed(undefined, LIMIT)).toBe(false);
  });
});
