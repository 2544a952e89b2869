import { startDemoServices } from '../apps/demo-services/src/demo-services.js';
import { startMobileBff } from '../apps/mobile-bff/src/start-mobile-bff.js';
import { startWebBff } from '../apps/web-bff/src/start-web-bff.js';
import { LAUNCHER_PORTS } from '@app/config';
import { closeOnSignals, exitOnListenFailure, loadConfigOrExit, warnAboutConfig } from '@app/http';
import { performance } from 'node:perf_hooks';
import { launchBanner, tokenSource } from './launch-banner.js';

/*
 * The embedded default: the demo services and both BFFs in one process, on
 * in-memory state, so `npm start` needs nothing installed.
 */
const config = loadConfigOrExit(process.env, LAUNCHER_PORTS);
warnAboutConfig(config);
const demo = await startDemoServices({
  host: config.http.host,
  ports: config.demo.ports,
  faults: config.demo.faults,
}).catch(exitOnListenFailure);
const [mobile, web] = await Promise.all([startMobileBff(config), startWebBff(config)]).catch(
  exitOnListenFailure,
);
// Demo services close last, so requests still in flight at the BFFs can finish.
closeOnSignals([mobile, web], config.shutdown, [demo]);
console.log(
  launchBanner({
    mobileUrl: await mobile.getUrl(),
    webUrl: await web.getUrl(),
    demoUrls: demo.urls,
    readyInMs: Math.round(performance.now()),
    tokens: tokenSource(config.auth),
  }),
);
