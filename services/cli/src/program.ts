import { infraCommand } from '@govmesh/infra';
import { Command } from 'commander';

import { auditCommand } from './audit-command.js';
import { serviceCommand } from './service-command.js';

/** The whole govmesh command line; `main.ts` runs it, tests call it with their own argv. */
export function govmeshProgram(): Command {
  return new Command('govmesh')
    .description('govmesh: a networked virtual government on Kafka and Temporal')
    .showHelpAfterError()
    .addCommand(infraCommand())
    .addCommand(serviceCommand())
    .addCommand(auditCommand());
}
