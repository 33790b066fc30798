import { infraCommand, kafkaCommand } from '@govmesh/infra';
import { Command } from 'commander';

import { platformCommands } from './platform-commands.js';
import { programCommands } from './program-commands.js';
import { serviceCommand } from './service-command.js';

/** The whole govmesh command line; `main.ts` runs it, tests call it with their own argv. */
export function govmeshProgram(): Command {
  const program = new Command('govmesh')
    .description('govmesh: a networked virtual government on Kafka and Temporal')
    .showHelpAfterError()
    // Options after a handed-on command (`govmesh audit verify --json`) belong to that command.
    .enablePositionalOptions()
    .addCommand(infraCommand())
    .addCommand(kafkaCommand())
    .addCommand(serviceCommand());
  for (const command of [...platformCommands(), ...programCommands()]) {
    // `service` already exists (validate): its API subcommands join it.
    const existing = program.commands.find((c) => c.name() === command.name());
    if (existing) for (const sub of command.commands) existing.addCommand(sub);
    else program.addCommand(command);
  }
  return program;
}
