import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@app/config';
import { passThroughPaths, startBffApp } from '@app/http';
import { WebBffModule } from './web-bff.module.js';

const ABOUT = {
  name: 'web-bff',
  title: 'Web BFF',
  description: "The web app's dashboard, order lists and detail, and preference editing.",
};

/** Boots the web BFF on its configured port, or another (0 in tests). */
export function startWebBff(
  config: AppConfig,
  port: number = config.ports.webBff,
): Promise<NestFastifyApplication> {
  const paths = passThroughPaths(config.passThrough.filter((route) => route.app === 'web'));
  return startBffApp(WebBffModule.forRoot(config), config, { ...ABOUT, paths }, port);
}
