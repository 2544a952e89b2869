import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { TEST_AUDIENCE, TEST_ISSUER } from './tokens.js';

export type JwksMode = 'ok' | 'hang' | 'garbage' | 'unavailable';

/**
 * An identity provider's JWKS endpoint on a loopback port, with one RSA
 * signing key, counting every fetch, and able to hang, answer garbage or
 * fail as a real one does on a bad day.
 */
export class FakeJwks {
  requests = 0;
  mode: JwksMode = 'ok';
  readonly kid = 'fake-jwks-rsa-1';
  private readonly key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  /** Keys published since it started, beside its own, as an identity provider publishes the next key before using it. */
  private readonly rotated = new Map<string, KeyObject>();
  private readonly server = createServer((request, response) => this.answer(request, response));

  static async start(mode: JwksMode = 'ok'): Promise<FakeJwks> {
    const jwks = new FakeJwks();
    jwks.mode = mode;
    await new Promise<void>((resolve) => jwks.server.listen(0, '127.0.0.1', resolve));
    return jwks;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  /** An RS256 token for `sub`, signed with this endpoint's key, naming `kid` (its own by default). */
  token(sub: string, kid: string = this.kid, privateKey: KeyObject = this.key.privateKey): string {
    return jwt.sign({ roles: [] }, privateKey, {
      algorithm: 'RS256',
      keyid: kid,
      subject: sub,
      expiresIn: 300,
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
    });
  }

  /** Publishes a new signing key beside the current one; returns its kid and the private key that signs with it. */
  publishNewKey(): { kid: string; privateKey: KeyObject } {
    const kid = `fake-jwks-rsa-${this.rotated.size + 2}`;
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.rotated.set(kid, publicKey);
    return { kid, privateKey };
  }

  async close(): Promise<void> {
    // A hanging fetch would keep close() waiting forever.
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(_request: IncomingMessage, response: ServerResponse): void {
    this.requests += 1;
    switch (this.mode) {
      case 'ok':
        response.setHeader('content-type', 'application/json');
        response.end(
          JSON.stringify({
            keys: [
              { ...this.key.publicKey.export({ format: 'jwk' }), kid: this.kid, alg: 'RS256', use: 'sig' },
              ...[...this.rotated].map(([kid, publicKey]) => ({
                ...publicKey.export({ format: 'jwk' }),
                kid,
                alg: 'RS256',
                use: 'sig',
              })),
            ],
          }),
        );
        return;
      case 'hang':
        return;
      case 'garbage':
        response.setHeader('content-type', 'application/json');
        response.end('{"keys": [{"kty": "RSA", "kid": "x", "n": "not base64", "e": 7}');
        return;
      case 'unavailable':
        response.statusCode = 503;
        response.end('maintenance');
        return;
    }
  }
}
