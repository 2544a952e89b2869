import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@app/config';
import { createBffApp } from './create-bff-app.js';
import { listeningUrl } from './startup.js';

@Module({})
class EmptyModule {}

describe(listeningUrl.name, () => {
  let app: NestFastifyApplication | undefined;
  afterEach(() => app?.close());

  it('names the address bound, 0.0.0.0 in a container, not the 127.0.0.1 Nest offers a browser', async () => {
    app = await createBffApp(EmptyModule, loadConfig({ LOG_LEVEL: 'fatal' }), {
      name: 'probe',
      title: 'Probe',
      description: 'An app with no routes',
    });
    await app.listen({ port: 0, host: '0.0.0.0' });

    expect(await listeningUrl(app)).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
  });
});
