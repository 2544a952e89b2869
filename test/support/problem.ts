/** The checks every problem answer must pass, whatever its status (RFC 9457 and our contract). */
export async function expectProblem(response: Response, status: number): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({
    status,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(body.instance).toEqual(expect.any(String));
  expect(body.requestId).toBe(response.headers.get('x-request-id'));
  const text = JSON.stringify(body);
  // Nothing internal leaks: no stack frames, no loopback upstream addresses, no Node error codes.
  expect(text).not.toMatch(/\bat .+\.(ts|js):\d+|127\.0\.0\.1|localhost|ECONN|ETIMEDOUT|node_modules/);
  return body;
}
