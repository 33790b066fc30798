import { infraCommand, kafkaCommand } from '@govmesh/infra';
import { Command } from 'commander';

import { auditCommand } from './audit-command.js';
import { platformCommands } from './platform-commands.js';
import { upCommands } from './up-command.js';
import { serviceCommand } from './service-command.js';

/** The whole govmesh command line; `main.ts` runs it, tests call it with their own argv. */
export function govmeshProgram(): Command {
  const program = new Command('govmesh')
    .description('govmesh: a networked virtual government on Kafka and Temporal')
    .showHelpAfterError()
    .addCommand(infraCommand())
    .addCommand(kafkaCommand())
    .addCommand(serviceCommand())
    .addCommand(auditCommand());
  for (const command of [...platformCommands(), ...upCommands()]) {
    // `service` already exists (validate): its API subcommands join it.
    const existing = program.commands.find((c) => c.name() === command.name());
    if (existing) for (const sub of command.commands) existing.addCommand(sub);
    else program.addCommand(command);
  }
  return program;
}
