import type { AuthConfig } from '@app/config';

/** What `npm start` prints once everything listens: where things are and a first request to paste. */
export function launchBanner(where: {
  mobileUrl: string;
  webUrl: string;
  demoUrls: Record<string, string>;
  readyInMs: number;
  /**
   * How `npm run token` can sign tokens this gateway accepts: as it is,
   * with the development secret; in a shell with the gateway's own
   * JWT_SECRET (and JWT_ISSUER, JWT_AUDIENCE), which it reads from there;
   * not at all with a public key or JWKS.
   */
  tokens: 'development-secret' | 'same-environment' | 'identity-provider';
}): string {
  const local = (url: string): string => url.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  const mobile = local(where.mobileUrl);
  const web = local(where.webUrl);
  const firstRequest =
    where.tokens !== 'identity-provider'
      ? [
          where.tokens === 'development-secret'
            ? 'Get a development token (any user id works; add --roles admin for admin routes):'
            : 'Get a token in a shell with the same JWT_SECRET, JWT_ISSUER and JWT_AUDIENCE as the gateway (any user id works; add --roles admin for admin routes):',
          '  npm run token -- --sub u1',
          '',
          'Then ask for the mobile profile:',
          `  curl -s -H "Authorization: Bearer $(npm run -s token -- --sub u1)" ${mobile}/mobile/profile`,
        ]
      : [
          'Tokens are verified with JWT_PUBLIC_KEY or JWT_JWKS_URL: get one from your identity provider, then',
          `  curl -s -H "Authorization: Bearer $TOKEN" ${mobile}/mobile/profile`,
        ];
  return [
    '',
    `BFF gateway ready in ${where.readyInMs} ms`,
    `  mobile-bff   ${mobile}   (GET /mobile/profile, /health)`,
    `  web-bff      ${web}   (GET /web/dashboard, /health)`,
    ...Object.entries(where.demoUrls).map(([name, url]) => `  demo ${name.padEnd(10)} ${local(url)}`),
    '',
    ...firstRequest,
    '',
  ].join('\n');
}

/** How a token for this gateway can be had (see {@link launchBanner}): the development secret alone needs nothing of the reader's shell. */
export function tokenSource(
  auth: AuthConfig,
): 'development-secret' | 'same-environment' | 'identity-provider' {
  if (auth.key.kind !== 'secret') {
    return 'identity-provider';
  }
  return auth.key.isDevelopmentSecret && auth.issuer === undefined && auth.audience === undefined
    ? 'development-secret'
    : 'same-environment';
}
