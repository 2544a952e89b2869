import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, type AppConfig } from '@app/config';
import { startDemoServices, type DemoServices } from '../../apps/demo-services/src/demo-services.js';
import { startMobileBff } from '../../apps/mobile-bff/src/start-mobile-bff.js';
import { startWebBff } from '../../apps/web-bff/src/start-web-bff.js';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from './tokens.js';

const NO_FAULTS = { latencyMs: 0, errorRate: 0, down: false, malformed: false, hang: false };

export interface Stack {
  config: AppConfig;
  demo: DemoServices;
  mobileUrl: string;
  webUrl: string;
  /** The two BFF apps themselves, for suites that drive their lifecycle. */
  apps: { mobile: NestFastifyApplication; web: NestFastifyApplication };
  close(): Promise<void>;
}

/**
 * The whole product on ephemeral loopback ports: the real demo services and
 * both real BFFs, nothing overridden. `env` adds or replaces variables;
 * caching and throttling are off unless `env` turns them on.
 */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const demo = await startDemoServices({
    host: '127.0.0.1',
    ports: { user: 0, order: 0, preference: 0 },
    faults: { user: { ...NO_FAULTS }, order: { ...NO_FAULTS }, preference: { ...NO_FAULTS } },
  });
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'fatal',
    HOST: '127.0.0.1',
    JWT_SECRET: TEST_JWT_SECRET,
    JWT_ISSUER: TEST_ISSUER,
    JWT_AUDIENCE: TEST_AUDIENCE,
    USER_SERVICE_URL: demo.urls.user,
    ORDER_SERVICE_URL: demo.urls.order,
    PREFERENCE_SERVICE_URL: demo.urls.preference,
    // Suites about upstream behaviour need every call to reach the upstream; the caching suites turn it on.
    CACHE_ENABLED: 'false',
    // Suites that drive many requests as one user would meet their limits; the throttling suites turn it on.
    THROTTLE_ENABLED: 'false',
    ...env,
  });
  const apps: NestFastifyApplication[] = [];
  try {
    apps.push(await startMobileBff(config, 0));
    apps.push(await startWebBff(config, 0));
  } catch (error) {
    await Promise.all(apps.map((app) => app.close()));
    await demo.close();
    throw error;
  }
  const [mobile, web] = apps;
  return {
    config,
    demo,
    mobileUrl: (await mobile.getUrl()).replace('[::1]', '127.0.0.1'),
    webUrl: (await web.getUrl()).replace('[::1]', '127.0.0.1'),
    apps: { mobile, web },
    close: async () => {
      await Promise.all(apps.map((app) => app.close()));
      await demo.close();
    },
  };
}
