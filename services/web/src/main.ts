#!/usr/bin/env node
import { processLogger, runServiceProcess } from '@govmesh/messaging';

import { loadConfig } from './config.js';
import { startWeb } from './web-service.js';

const config = loadConfig();
const logger = processLogger('govmesh-web', config.LOG_LEVEL);
await runServiceProcess('web front end', logger, () => startWeb(config, logger), {
  url: config.publicUrl,
  api: config.GOVMESH_API_URL,
});
