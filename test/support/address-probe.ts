import { Controller, Get, Module, Req, type DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuthModule, Public } from '@app/auth';
import { ConfigModule, loadConfig, type AppConfig } from '@app/config';
import { createBffApp } from '@app/http';
import { RedisModule } from '@app/redis';
import { ThrottlingModule } from '@app/throttling';
import type { FastifyRequest } from 'fastify';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from './tokens.js';

/**
 * A route anyone may call that is still throttled, answering the address
 * the gateway took the caller for. Neither BFF has one: every throttled
 * route needs a token or a key, and the auth guard refuses an anonymous
 * caller before the throttler ever counts it, so `ip:<address>` tracking
 * cannot be reached through them.
 */
@Controller('probe')
class AddressProbeController {
  @Get()
  @Public()
  address(@Req() request: FastifyRequest): { ip: string } {
    return { ip: request.ip };
  }
}

@Module({})
class AddressProbeModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AddressProbeModule,
      // The BFFs' own order: authentication first, then the throttler; RedisModule for the store's connection.
      imports: [ConfigModule.forRoot(config), RedisModule, AuthModule, ThrottlingModule.forRoot('mobile')],
      controllers: [AddressProbeController],
    };
  }
}

export interface AddressProbe {
  /** `GET ${url}/probe` answers `{ip}` and spends one unit of `ip:<that address>`. */
  url: string;
  close(): Promise<void>;
}

/**
 * The probe route in an app built exactly as the BFFs are (createBffApp:
 * the same Fastify adapter and `trustProxy` setting, the same guards and
 * throttling module), on a loopback port of its own.
 */
export async function startAddressProbe(env: Record<string, string>): Promise<AddressProbe> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'fatal',
    HOST: '127.0.0.1',
    JWT_SECRET: TEST_JWT_SECRET,
    JWT_ISSUER: TEST_ISSUER,
    JWT_AUDIENCE: TEST_AUDIENCE,
    ...env,
  });
  const app: NestFastifyApplication = await createBffApp(AddressProbeModule.forRoot(config), config);
  await app.listen({ port: 0, host: config.http.host });
  return {
    url: (await app.getUrl()).replace('[::1]', '127.0.0.1'),
    close: () => app.close(),
  };
}
