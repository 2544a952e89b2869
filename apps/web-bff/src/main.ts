import { runAlone } from '@app/http';
import { startWebBff } from './start-web-bff.js';

await runAlone('web-bff', 'web', startWebBff);
