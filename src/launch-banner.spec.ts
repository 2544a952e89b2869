import { loadConfig } from '@app/config';
import { launchBanner, tokenSource } from './launch-banner.js';

const WHERE = {
  mobileUrl: 'http://127.0.0.1:3001',
  webUrl: 'http://127.0.0.1:3002',
  demoUrls: { user: 'http://127.0.0.1:4001' },
  readyInMs: 900,
};

describe(launchBanner.name, () => {
  it('offers a development token and a curl that uses it on the development secret', () => {
    const banner = launchBanner({ ...WHERE, tokens: 'development-secret' });

    expect(banner).toContain('Get a development token');
    expect(banner).toContain('npm run token -- --sub u1');
    expect(banner).toContain('$(npm run -s token -- --sub u1)" http://localhost:3001/mobile/profile');
  });

  it('says a token needs the same JWT_SECRET, issuer and audience when the gateway has its own', () => {
    const banner = launchBanner({ ...WHERE, tokens: 'same-environment' });

    expect(banner).toContain('in a shell with the same JWT_SECRET, JWT_ISSUER and JWT_AUDIENCE');
    expect(banner).not.toContain('development token');
    expect(banner).toContain('$(npm run -s token -- --sub u1)" http://localhost:3001/mobile/profile');
  });

  it('sends the reader to their identity provider, not to a token script that would refuse, with a public key or JWKS', () => {
    const banner = launchBanner({ ...WHERE, tokens: 'identity-provider' });

    expect(banner).not.toContain('npm run token');
    expect(banner).toContain('Bearer $TOKEN" http://localhost:3001/mobile/profile');
  });
});

describe(tokenSource.name, () => {
  it("needs the reader's shell to match the gateway's secret, issuer and audience unless it runs on the development secret alone", () => {
    expect(tokenSource(loadConfig({}).auth)).toBe('development-secret');
    expect(tokenSource(loadConfig({ JWT_AUDIENCE: 'bff-gateway' }).auth)).toBe('same-environment');
    expect(tokenSource(loadConfig({ JWT_SECRET: 'a-secret-of-our-own-that-is-long-enough-0123' }).auth)).toBe(
      'same-environment',
    );
    expect(tokenSource(loadConfig({ JWT_JWKS_URL: 'https://idp.example.com/jwks' }).auth)).toBe(
      'identity-provider',
    );
  });
});
