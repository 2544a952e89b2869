import { configWarnings } from './config-warnings.js';
import { DEVELOPMENT_SECRET_WARNING } from './development-secret.js';
import { loadConfig } from './load-config.js';

const SECRET = 'a-production-secret-that-is-long-enough-0123456789';

describe(configWarnings.name, () => {
  it('warns of the public development secret', () => {
    expect(configWarnings(loadConfig({}))).toEqual([DEVELOPMENT_SECRET_WARNING]);
    expect(configWarnings(loadConfig({ JWT_SECRET: SECRET }))).toEqual([]);
  });

  it('warns of signing keys fetched over plain http in production, where anyone on the path could replace them', () => {
    const warnings = configWarnings(
      loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: 'http://idp.internal/jwks' }),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^JWT_JWKS_URL is plain http/);
  });

  it('says nothing of https, of a loopback endpoint, or outside production', () => {
    expect(
      configWarnings(loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: 'https://idp.example.com/jwks' })),
    ).toEqual([]);
    expect(
      configWarnings(loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: 'http://127.0.0.1:8080/jwks' })),
    ).toEqual([]);
    expect(configWarnings(loadConfig({ JWT_JWKS_URL: 'http://idp.internal/jwks' }))).toEqual([]);
  });

  it('warns of a user rate limit below what an aggregate costs, which would refuse every profile or dashboard', () => {
    const warnings = configWarnings(
      loadConfig({ JWT_SECRET: SECRET, THROTTLE_BURST_LIMIT: '20', WEB_BFF_THROTTLE_SUSTAINED_LIMIT: '2' }),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/web app's rate limit of 2 .* \/web\/dashboard/);
    expect(configWarnings(loadConfig({ JWT_SECRET: SECRET, THROTTLE_BURST_LIMIT: '3' }))).toEqual([]);
    // A web BFF started alone says nothing of the mobile app's limits.
    expect(
      configWarnings(loadConfig({ JWT_SECRET: SECRET, MOBILE_BFF_THROTTLE_BURST_LIMIT: '2' }), ['web']),
    ).toEqual([]);
    expect(
      configWarnings(
        loadConfig({ JWT_SECRET: SECRET, THROTTLE_BURST_LIMIT: '1', THROTTLE_ENABLED: 'false' }),
      ),
    ).toEqual([]);
  });
});
