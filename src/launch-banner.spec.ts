import { launchBanner } from './launch-banner.js';

const WHERE = {
  mobileUrl: 'http://127.0.0.1:3001',
  webUrl: 'http://127.0.0.1:3002',
  demoUrls: { user: 'http://127.0.0.1:4001' },
  readyInMs: 900,
};

describe(launchBanner.name, () => {
  it('offers a development token and a curl that uses it when the gateway verifies with JWT_SECRET', () => {
    const banner = launchBanner({ ...WHERE, mintsTokens: true });

    expect(banner).toContain('npm run token -- --sub u1');
    expect(banner).toContain('$(npm run -s token -- --sub u1)" http://localhost:3001/mobile/profile');
  });

  it('sends the reader to their identity provider, not to a token script that would refuse, with a public key or JWKS', () => {
    const banner = launchBanner({ ...WHERE, mintsTokens: false });

    expect(banner).not.toContain('npm run token');
    expect(banner).toContain('Bearer $TOKEN" http://localhost:3001/mobile/profile');
  });
});
