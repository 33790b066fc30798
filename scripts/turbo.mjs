#!/usr/bin/env node
// Runs `turbo run <tasks>` for the npm scripts so that a terminal shows govmesh's own line, not
// Turborepo's banner and telemetry notice: one line on success, turbo's whole output on failure.
// Telemetry is off for the project's own runs (TURBO_TELEMETRY_DISABLED).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const args = process.argv.slice(2);
const tasks = args.filter((a) => !a.startsWith('-')).join(' ');
const started = Date.now();
const turbo = createRequire(import.meta.url).resolve('turbo/bin/turbo');
const child = spawn(process.execPath, [turbo, 'run', ...args, '--output-logs=errors-only'], {
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const output = [];
child.stdout.on('data', (chunk) => output.push(chunk));
child.stderr.on('data', (chunk) => output.push(chunk));
child.on('exit', (code, signal) => {
  const text = Buffer.concat(output).toString('utf8');
  if (code === 0) {
    const total = /Tasks:\s+(\d+) successful/.exec(text)?.[1];
    const cached = /Cached:\s+(\d+) cached/.exec(text)?.[1];
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(`govmesh: ${tasks} done (${total ?? '?'} tasks, ${cached ?? 0} from cache) in ${seconds} s\n`);
  } else {
    process.stderr.write(text);
    process.stderr.write(`govmesh: ${tasks} failed; turbo's output is above\n`);
  }
  process.exit(code ?? (signal ? 1 : 0));
});
