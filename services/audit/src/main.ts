#!/usr/bin/env node
import { runServiceProcess, processLogger } from '@govmesh/messaging';
import { tracingConfig } from '@govmesh/telemetry';
import { startTracing } from '@govmesh/telemetry/setup';

import { startAuditLedger } from './audit-service.js';
import { loadConfig } from './config.js';
import { ledgerAdminProgram } from './ledger-admin.js';

// With a command (`verify`, `export`, …, or `--help`), the ledger's admin tools; without, the service.
if (process.argv.length > 2) {
  await ledgerAdminProgram().parseAsync(process.argv);
} else {
  const config = loadConfig();
  const tracing = startTracing({ service: 'govmesh-audit', config: tracingConfig(config) });
  const logger = processLogger('govmesh-audit', config.LOG_LEVEL);
  await runServiceProcess(
    'audit ledger',
    logger,
    () => startAuditLedger(config, logger),
    { ledger: config.ledgerFile, readModel: config.GOVMESH_AUDIT_URL },
    { tracing },
  );
}
