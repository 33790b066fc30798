import { Command, InvalidArgumentError } from 'commander';

import { runUp, summaryIsClean } from './demo-command.js';

function replicaCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 5) throw new InvalidArgumentError('a whole number from 1 to 5');
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidArgumentError('a whole number from 1 to 100000');
  return n;
}

/**
 * The demo's program, `govmesh-demo up [--demo]` (what `npm start` runs, through `govmesh up`) and
 * `govmesh-demo demo --cases N [--json]`.
 */
export function demoProgram(): Command {
  const program = new Command('govmesh').showHelpAfterError();
  const up = new Command('up')
    .description(
      'start the engines and every govmesh process; with --demo, run a batch of demo cases; serve until Ctrl-C',
    )
    .option('--demo', 'publish the example catalogue, onboard simulated partners and run demo cases')
    .option('--cases <n>', 'how many demo cases', count, 25)
    .option('--tracing', "start Zipkin's server on loopback and send every process's spans to it")
    .action(async function (this: Command) {
      const o = this.opts<{ demo?: boolean; cases: number; tracing?: boolean }>();
      await runUp({ demo: o.demo === true, cases: o.cases, serve: true, tracing: o.tracing === true });
      // Everything this run started has stopped: a library's client still retrying must not keep
      // the command from ending.
      process.exit(process.exitCode ?? 0);
    });
  const demo = new Command('demo')
    .description(
      'run a batch of demo cases against a running govmesh (or start and stop one); exits 1 when a case is lost, stuck or ends unexpectedly',
    )
    .option('--cases <n>', 'how many cases', count, 25)
    .option('--replicas <n>', 'processes of each of audit, worker, bridge and API (1 to 5)', replicaCount, 1)
    .option(
      '--faults',
      'once half the cases are submitted, kill one replica of each service and one broker of a three-node embedded Kafka',
    )
    .option('--tracing', "start Zipkin's server on loopback and send every process's spans to it")
    .option(
      '--json',
      'print the summary as JSON (submitted, completed, lost, stuck, unexpected, appliedTwice, outcomes, ledgerVerified, seconds, partners, faults)',
    )
    .action(async function (this: Command) {
      const o = this.opts<{ cases: number; json?: boolean; tracing?: boolean; replicas: number; faults?: boolean }>();
      const summary = await runUp({
        demo: true,
        cases: o.cases,
        replicas: o.replicas,
        faults: o.faults === true,
        json: o.json === true,
        serve: false,
        tracing: o.tracing === true,
      });
      process.exit(summary && summaryIsClean(summary) ? 0 : 1);
    });
  return program.addCommand(up).addCommand(demo);
}
