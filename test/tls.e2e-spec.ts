import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@app/config';
import { startStack, type Stack } from './support/stack.js';

/** A GET over HTTPS that trusts the test's self-signed certificate. */
function httpsGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const call = request(url, { rejectUnauthorized: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    call.on('error', reject);
    call.end();
  });
}

/** A self-signed P-256 certificate for 127.0.0.1 and its key, written by openssl. */
function selfSigned(keyFile: string, certFile: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
}

/** The configuration problems the variables give, or none. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    return (error as { problems?: string[] }).problems ?? [String(error)];
  }
}

describe('TLS from a certificate and key in the environment', () => {
  const folder = mkdtempSync(join(tmpdir(), 'bff-tls-'));
  const certFile = join(folder, 'cert.pem');
  const keyFile = join(folder, 'key.pem');
  let stack: Stack;

  beforeAll(async () => {
    selfSigned(keyFile, certFile);
    stack = await startStack({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile });
  });
  afterAll(async () => {
    await stack.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('serves both BFFs over HTTPS when a certificate and key are configured', async () => {
    expect(stack.mobileUrl).toMatch(/^https:/);
    for (const base of [stack.mobileUrl, stack.webUrl]) {
      const answer = await httpsGet(`${base}/health/live`);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ status: 'ok' });
    }
  });
});

describe('TLS settings that cannot serve', () => {
  const folder = mkdtempSync(join(tmpdir(), 'bff-tls-bad-'));
  const certFile = join(folder, 'cert.pem');
  const keyFile = join(folder, 'key.pem');
  const otherKeyFile = join(folder, 'other-key.pem');
  const garbage = join(folder, 'garbage.pem');

  beforeAll(() => {
    selfSigned(keyFile, certFile);
    selfSigned(otherKeyFile, join(folder, 'other-cert.pem'));
    writeFileSync(garbage, 'not a pem file');
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('names a file that cannot be read, one that is not PEM, and a key of another certificate, at start', () => {
    expect(problemsOf({ TLS_CERT_FILE: join(folder, 'missing.pem'), TLS_KEY_FILE: garbage })).toEqual([
      'TLS_CERT_FILE: cannot be read',
      'TLS_KEY_FILE: must be a PEM private key without a passphrase',
    ]);
    expect(problemsOf({ TLS_CERT_FILE: garbage, TLS_KEY_FILE: keyFile })).toEqual([
      'TLS_CERT_FILE: must be a PEM certificate',
    ]);
    expect(problemsOf({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: otherKeyFile })).toEqual([
      'TLS_CERT_FILE, TLS_KEY_FILE: the key does not belong to the certificate',
    ]);
    expect(problemsOf({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile })).toEqual([]);
  });
});
