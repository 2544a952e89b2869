import { ConfigError, loadDemoServicesConfig, type DemoServicesSettings } from '@app/config';
import { exitOnListenFailure } from '@app/http';
import { startDemoServices } from './demo-services.js';

let config: DemoServicesSettings;
try {
  config = loadDemoServicesConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const services = await startDemoServices({
  host: config.host,
  ports: config.demo.ports,
  faults: config.demo.faults,
}).catch(exitOnListenFailure);
console.log(`user service        ${services.urls.user}`);
console.log(`order service       ${services.urls.order}`);
console.log(`preference service  ${services.urls.preference}`);

function shutdown(): void {
  services.close().catch((error: unknown) => {
    console.error('demo services did not close cleanly', error);
    process.exitCode = 1;
  });
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
