import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PageServer {
  /** The page's origin, `http://127.0.0.1:<port>`: what the browser sends as `Origin`. */
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves one HTML page at `/` on `127.0.0.1:0`, as the host of a web app
 * would: each server is an origin of its own, since an origin includes the
 * port. Anything else is a 404 (the browser asks for `/favicon.ico`).
 */
export async function servePage(html: string): Promise<PageServer> {
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(html);
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // The browser keeps its connections open; they would hold close() until they time out.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
