import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@app/config';
import { passThroughPaths, startBffApp } from '@app/http';
import { MobileBffModule } from './mobile-bff.module.js';

const ABOUT = {
  name: 'mobile-bff',
  title: 'Mobile BFF',
  description: 'One round trip per phone screen: profile, order history and order detail.',
};

/** Boots the mobile BFF on its configured port, or another (0 in tests). */
export function startMobileBff(
  config: AppConfig,
  port: number = config.ports.mobileBff,
): Promise<NestFastifyApplication> {
  const paths = passThroughPaths(config.passThrough.filter((route) => route.app === 'mobile'));
  return startBffApp(MobileBffModule.forRoot(config), config, { ...ABOUT, paths }, port);
}
