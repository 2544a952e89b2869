import { closeOnSignals, loadConfigOrExit, warnAboutDevelopmentSecret } from '@app/http';
import { startMobileBff } from './start-mobile-bff.js';

const config = loadConfigOrExit(process.env);
warnAboutDevelopmentSecret(config);
const app = await startMobileBff(config);
closeOnSignals([app], { timeoutMs: 15_000 });
console.log(`mobile-bff listening on ${await app.getUrl()}`);
