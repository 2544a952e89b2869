import { loadConfig } from '@app/config';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startDemoServices, type DemoServices } from '../../apps/demo-services/src/demo-services.js';
import { startMobileBff } from '../../apps/mobile-bff/src/start-mobile-bff.js';
import { startWebBff } from '../../apps/web-bff/src/start-web-bff.js';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from '../../test/support/tokens.js';

const NO_FAULTS = { latencyMs: 0, errorRate: 0, down: false, malformed: false, hang: false };

export interface InProcessStack {
  demo: DemoServices;
  mobileUrl: string;
  webUrl: string;
  /** Data requests the three demo services have received. */
  upstreamCalls(): number;
  close(): Promise<void>;
}

/** The demo services and both BFFs in this process, on ephemeral loopback ports, for the measurement scripts. */
export async function startInProcessStack(env: Record<string, string>): Promise<InProcessStack> {
  const demo = await startDemoServices({
    host: '127.0.0.1',
    ports: { user: 0, order: 0, preference: 0 },
    faults: { user: { ...NO_FAULTS }, order: { ...NO_FAULTS }, preference: { ...NO_FAULTS } },
  });
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    JWT_SECRET: TEST_JWT_SECRET,
    JWT_ISSUER: TEST_ISSUER,
    JWT_AUDIENCE: TEST_AUDIENCE,
    USER_SERVICE_URL: demo.urls.user,
    ORDER_SERVICE_URL: demo.urls.order,
    PREFERENCE_SERVICE_URL: demo.urls.preference,
    ...env,
  });
  const apps: NestFastifyApplication[] = [await startMobileBff(config, 0), await startWebBff(config, 0)];
  const url = async (app: NestFastifyApplication): Promise<string> =>
    (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    demo,
    mobileUrl: await url(apps[0]),
    webUrl: await url(apps[1]),
    upstreamCalls: () =>
      Object.values(demo.faults).reduce((total, faults) => total + faults.requestCount(), 0),
    close: async () => {
      await Promise.all(apps.map((app) => app.close()));
      await demo.close();
    },
  };
}
