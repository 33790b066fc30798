#!/usr/bin/env node
import { runServiceProcess } from '@govmesh/messaging';
import { pino } from 'pino';

import { startAuditLedger } from './audit-service.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const logger = pino({ name: 'govmesh-audit', level: config.LOG_LEVEL });
await runServiceProcess('audit ledger', logger, () => startAuditLedger(config, logger), { ledger: config.ledgerFile });
