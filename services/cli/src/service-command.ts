import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import {
  contractLookup,
  seedForms,
  seedTaskTypes,
  type ContractLookup,
  type SeedForm,
  type SeedTaskType,
} from '@govmesh/contracts/standards';
import { validateServiceDefinition, type DefinitionReport } from '@govmesh/contracts/validate-service-definition';
import { Command } from 'commander';

import { readServiceFile } from './service-file.js';

/**
 * The seed catalogue, plus the task types (`*.task-type.yaml`) and forms (`*.form.yaml`) of a
 * folder: what a definition is checked against offline, before the registry has them.
 */
function contractsOf(folder: string | undefined): ContractLookup | { problem: string } {
  const taskTypes: SeedTaskType[] = seedTaskTypes();
  const forms: SeedForm[] = seedForms();
  if (folder) {
    let files: string[];
    try {
      files = readdirSync(folder).sort();
    } catch (err) {
      return { problem: `cannot read the contracts folder ${folder}: ${(err as Error).message}` };
    }
    for (const file of files) {
      const kind = file.endsWith('.task-type.yaml') ? taskTypes : file.endsWith('.form.yaml') ? forms : undefined;
      if (!kind) continue;
      const read = readServiceFile(join(folder, file));
      if ('problem' in read) return { problem: read.problem.message };
      kind.push(read.value as never);
    }
  }
  return contractLookup(taskTypes, forms);
}

/** What `service validate` prints and the exit code it ends with; the command only writes it out. */
export function validateServiceFile(
  path: string,
  json: boolean,
  contractsFolder?: string,
): { output: string; exitCode: number } {
  const read = readServiceFile(path);
  const contracts = contractsOf(contractsFolder);
  const report: DefinitionReport =
    'problem' in read
      ? { valid: false, steps: [], problems: [read.problem], warnings: [] }
      : 'problem' in contracts
        ? {
            valid: false,
            steps: [],
            problems: [{ step: null, rule: 'file-unreadable', message: contracts.problem }],
            warnings: [],
          }
        : validateServiceDefinition(read.value, { contracts });
  const exitCode = report.valid ? 0 : 1;
  if (json) {
    const { valid, steps, problems, warnings } = report;
    return { output: `${JSON.stringify({ valid, steps, problems, warnings }, null, 2)}\n`, exitCode };
  }
  const warned = report.warnings.map((w) => `  ! ${w.message} [${w.rule}]\n`).join('');
  if (report.valid) {
    const d = report.definition!;
    const width = Math.max(...report.steps.map((s) => s.id.length));
    const lines = report.steps.map((s) => `  ${s.id.padEnd(width)}  ${s.mode}`);
    return { output: `valid: ${d.id} version ${d.version} (${d.title})\n${lines.join('\n')}\n${warned}`, exitCode };
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
    .option('--json', 'print { valid, steps, problems, warnings } as JSON')
    .option(
      '--contracts <folder>',
      'also know the task types (*.task-type.yaml) and forms (*.form.yaml) in this folder, besides the seed catalogue',
    )
    .action((opts: { file: string; json?: boolean; contracts?: string }) => {
      const { output, exitCode } = validateServiceFile(opts.file, opts.json === true, opts.contracts);
      process.stdout.write(output);
      process.exitCode = exitCode;
    });
  return service;
}
