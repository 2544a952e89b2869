import { closeOnSignals, exitOnListenFailure, loadConfigOrExit, warnAboutDevelopmentSecret } from '@app/http';
import { startMobileBff } from './start-mobile-bff.js';

const config = loadConfigOrExit(process.env);
warnAboutDevelopmentSecret(config);
const app = await startMobileBff(config).catch(exitOnListenFailure);
closeOnSignals([app], config.shutdown);
console.log(`mobile-bff listening on ${await app.getUrl()}`);
