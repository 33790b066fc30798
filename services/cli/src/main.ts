import { commandFailureText } from '@govmesh/messaging';

import { govmeshProgram } from './program.js';

try {
  await govmeshProgram().parseAsync(process.argv);
} catch (err) {
  // Expected failures get their message and what to do next; anything else keeps its stack.
  process.stderr.write(commandFailureText(err));
  process.exitCode = 1;
}
