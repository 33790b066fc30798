import { validateServiceDefinition, type DefinitionReport } from '@govmesh/contracts/validate-service-definition';
import { Command } from 'commander';

import { readServiceFile } from './service-file.js';

/** What `service validate` prints and the exit code it ends with; the command only writes it out. */
export function validateServiceFile(path: string, json: boolean): { output: string; exitCode: number } {
  const read = readServiceFile(path);
  const report: DefinitionReport =
    'problem' in read ? { valid: false, steps: [], problems: [read.problem] } : validateServiceDefinition(read.value);
  const exitCode = report.valid ? 0 : 1;
  if (json) {
    const { valid, steps, problems } = report;
    return { output: `${JSON.stringify({ valid, steps, problems }, null, 2)}\n`, exitCode };
  }
  if (report.valid) {
    const d = report.definition!;
    const width = Math.max(...report.steps.map((s) => s.id.length));
    const lines = report.steps.map((s) => `  ${s.id.padEnd(width)}  ${s.mode}`);
    return { output: `valid: ${d.id} version ${d.version} (${d.title})\n${lines.join('\n')}\n`, exitCode };
  }
  const n = report.problems.length;
  const lines = report.problems.map((p) => `  - ${p.message} [${p.rule}]`);
  return { output: `${path}: ${n} problem${n === 1 ? '' : 's'}\n${lines.join('\n')}\n`, exitCode };
}

/** `govmesh service validate -f <file> [--json]`. */
export function serviceCommand(): Command {
  const service = new Command('service').description('work with service definitions');
  service
    .command('validate')
    .description(
      'check a service definition (YAML or JSON) against the format and the control policy; exits 1 on problems',
    )
    .requiredOption('-f, --file <file>', 'the definition file')
    .option('--json', 'print { valid, steps, problems } as JSON')
    .action((opts: { file: string; json?: boolean }) => {
      const { output, exitCode } = validateServiceFile(opts.file, opts.json === true);
      process.stdout.write(output);
      process.exitCode = exitCode;
    });
  return service;
}
