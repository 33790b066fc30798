import { fileURLToPath } from 'node:url';

import { runProgramInForeground } from '@govmesh/messaging';
import { Command } from 'commander';

/** The repository root, where each service's program is (services/<name>). */
const root = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * A command the command line hands whole to the program that owns the work, which parses it:
 * the ledger's tools belong to the audit service (only it opens its ledger), and `up`/`demo` to
 * the demo, which supervises the platform's processes.
 */
function handedTo(name: string, program: string, description: string, prefix: readonly string[] = []): Command {
  return new Command(name)
    .description(description)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument('[arguments...]')
    .action(async function (this: Command) {
      // `govmesh audit` alone shows the ledger's commands (the bare program would run the service).
      const args = this.args.length > 0 || prefix.length > 0 ? this.args : ['--help'];
      process.exitCode = await runProgramInForeground(root, program, [...prefix, ...args]);
    });
}

export function programCommands(): Command[] {
  return [
    handedTo(
      'audit',
      'audit',
      'verify, export and read the tamper-evident audit ledger (verify | export | public-key | scorecards | timeline; --help for each)',
    ),
    handedTo(
      'up',
      'demo',
      'start the engines and every govmesh process; with --demo [--cases N], run a batch of demo cases; serve until Ctrl-C',
      ['up'],
    ),
    handedTo(
      'demo',
      'demo',
      'run a batch of demo cases against a running govmesh (or start and stop one); --cases N, --json; exits 1 when a case is lost, stuck or ends unexpectedly',
      ['demo'],
    ),
  ];
}
