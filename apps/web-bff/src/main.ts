import { Logger } from '@nestjs/common';
import {
  closeOnSignals,
  exitOnListenFailure,
  listeningUrl,
  loadConfigOrExit,
  warnAboutConfig,
} from '@app/http';
import { startWebBff } from './start-web-bff.js';

const config = loadConfigOrExit(process.env);
const app = await startWebBff(config).catch(exitOnListenFailure);
closeOnSignals([app], config.shutdown);
// Once the app's logger is in place: JSON lines outside development, at LOG_LEVEL, like every other line.
warnAboutConfig(config);
new Logger('web-bff').log(`listening on ${await listeningUrl(app)}`);
