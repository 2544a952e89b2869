import { runAlone } from '@app/http';
import { startMobileBff } from './start-mobile-bff.js';

await runAlone('mobile-bff', 'mobile', startMobileBff);
