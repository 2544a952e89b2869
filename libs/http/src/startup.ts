import { Logger } from '@nestjs/common';
import { ConfigError, DEVELOPMENT_SECRET_WARNING, loadConfig, type AppConfig } from '@app/config';

/** For entry points only: a bad environment ends the process with every problem listed, before anything listens. */
export function loadConfigOrExit(env: Record<string, string | undefined>): AppConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

export function warnAboutDevelopmentSecret(config: AppConfig): void {
  if (config.auth.key.kind === 'secret' && config.auth.key.isDevelopmentSecret) {
    new Logger('Config').warn(DEVELOPMENT_SECRET_WARNING);
  }
}
