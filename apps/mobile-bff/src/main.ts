import { Logger } from '@nestjs/common';
import {
  closeOnSignals,
  exitOnListenFailure,
  listeningUrl,
  loadConfigOrExit,
  warnAboutConfig,
} from '@app/http';
import { startMobileBff } from './start-mobile-bff.js';

const config = loadConfigOrExit(process.env);
const app = await startMobileBff(config).catch(exitOnListenFailure);
closeOnSignals([app], config.shutdown);
// Once the app's logger is in place: JSON lines outside development, at LOG_LEVEL, like every other line.
warnAboutConfig(config);
new Logger('mobile-bff').log(`listening on ${await listeningUrl(app)}`);
