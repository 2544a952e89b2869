import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@app/config';
import { createBffApp } from '@app/http';
import { WebBffModule } from './web-bff.module.js';

/** Boots the web BFF and listens on `port` (its configured port unless a test asks for another, such as 0). */
export async function startWebBff(
  config: AppConfig,
  port: number = config.ports.webBff,
): Promise<NestFastifyApplication> {
  const app = await createBffApp(WebBffModule.forRoot(config), config, {
    title: 'Web BFF',
    description: "The web app's dashboard, order lists and detail, and preference editing.",
  });
  await app.listen({ port, host: config.http.host });
  return app;
}
