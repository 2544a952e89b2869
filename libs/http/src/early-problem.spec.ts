import { parserProblemResponse } from './early-problem.js';

const REQUEST_ID = '6f1c2a4e-8d3b-4f7a-9c11-2b5e7d9a0c33';

function split(response: string): { head: string[]; body: Record<string, unknown> } {
  const [head, body] = response.split('\r\n\r\n');
  return { head: head.split('\r\n'), body: JSON.parse(body) as Record<string, unknown> };
}

describe(parserProblemResponse.name, () => {
  it('answers headers past the size limit with a 431 problem', () => {
    const { head, body } = split(parserProblemResponse('HPE_HEADER_OVERFLOW', REQUEST_ID));

    expect(head[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(body).toMatchObject({ status: 431, type: expect.stringMatching(/header-fields-too-large$/) });
  });

  it('answers a client too slow to send its request with a 408 problem', () => {
    const { head, body } = split(parserProblemResponse('ERR_HTTP_REQUEST_TIMEOUT', REQUEST_ID));

    expect(head[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(body.status).toBe(408);
  });

  it('answers any other parse failure with a 400 problem that does not repeat the parser', () => {
    const { head, body } = split(parserProblemResponse('HPE_INVALID_HEADER_TOKEN', REQUEST_ID));

    expect(head[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(body.detail).toBe('The request is not valid HTTP/1.1.');
    expect(JSON.stringify(body)).not.toContain('HPE_');
  });

  it('names the occurrence by its request id, and sends that id as X-Request-Id', () => {
    const { head, body } = split(parserProblemResponse(undefined, REQUEST_ID));

    expect(body).toMatchObject({ requestId: REQUEST_ID, instance: `urn:uuid:${REQUEST_ID}` });
    expect(head).toContain(`X-Request-Id: ${REQUEST_ID}`);
    expect(head).toContain('Content-Type: application/problem+json');
    expect(head).toContain('Connection: close');
  });

  it('declares the exact length of its body, multi-byte characters included', () => {
    const response = parserProblemResponse('HPE_HEADER_OVERFLOW', REQUEST_ID);
    const [head, body] = response.split('\r\n\r\n');

    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
  });
});
