import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@app/config';
import { createBffApp } from '@app/http';
import { MobileBffModule } from './mobile-bff.module.js';

/** Boots the mobile BFF and listens on `port` (its configured port unless a test asks for another, such as 0). */
export async function startMobileBff(
  config: AppConfig,
  port: number = config.ports.mobileBff,
): Promise<NestFastifyApplication> {
  const app = await createBffApp(MobileBffModule.forRoot(config), config, {
    title: 'Mobile BFF',
    description: 'One round trip per phone screen: profile, order history and order detail.',
  });
  await app.listen({ port, host: config.http.host });
  return app;
}
