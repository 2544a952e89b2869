import type { LoggerService } from '@nestjs/common';

/** Nest's own contexts that say, line by line, which module loaded and which route it mapped. */
const BOOTSTRAP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/**
 * The app's logger, with Nest's start-up chatter (a line per module and
 * route) moved from info to debug: the logger is attached before the
 * app's init, so what init's hooks report (Redis unreachable, say) is a
 * JSON line like the rest, and those forty lines would come with it.
 */
export class BootstrapChatterAsDebug implements LoggerService {
  constructor(private readonly logger: LoggerService) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = params.at(-1);
    if (typeof context === 'string' && BOOTSTRAP_CONTEXTS.has(context)) {
      this.logger.debug?.(message, ...params);
      return;
    }
    this.logger.log(message, ...params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.logger.error(message, ...params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.logger.warn(message, ...params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.logger.debug?.(message, ...params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.logger.verbose?.(message, ...params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.logger.fatal?.(message, ...params);
  }
}
