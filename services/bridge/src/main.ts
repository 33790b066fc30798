#!/usr/bin/env node
import { runServiceProcess } from '@govmesh/messaging';
import { pino } from 'pino';

import { startBridge } from './bridge-service.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const logger = pino({ name: 'govmesh-bridge', level: config.LOG_LEVEL });
await runServiceProcess('bridge', logger, () => startBridge(config, logger));
