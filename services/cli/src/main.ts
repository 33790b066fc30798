import { InfraConfigError, InfraError } from '@govmesh/infra';
import { ZodError, prettifyError } from 'zod';

import { govmeshProgram } from './program.js';

try {
  await govmeshProgram().parseAsync(process.argv);
} catch (err) {
  // Expected failures get their message and what to do next; anything else keeps its stack.
  if (err instanceof InfraError) {
    process.stderr.write(`govmesh: ${err.message}\n${err.hint ? `  what to do: ${err.hint}\n` : ''}`);
  } else if (err instanceof ZodError) {
    process.stderr.write(`govmesh: invalid configuration\n${prettifyError(err)}\n`);
  } else if (err instanceof InfraConfigError) {
    process.stderr.write(`govmesh: ${err.message}\n`);
  } else {
    process.stderr.write(
      `govmesh: unexpected failure\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  process.exitCode = 1;
}
