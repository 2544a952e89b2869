import { closeOnSignals, exitOnListenFailure, loadConfigOrExit, warnAboutDevelopmentSecret } from '@app/http';
import { startWebBff } from './start-web-bff.js';

const config = loadConfigOrExit(process.env);
warnAboutDevelopmentSecret(config);
const app = await startWebBff(config).catch(exitOnListenFailure);
closeOnSignals([app], config.shutdown);
console.log(`web-bff listening on ${await app.getUrl()}`);
