#!/usr/bin/env node
import { commandFailureText } from '@govmesh/messaging';

import { demoProgram } from './demo-program.js';

try {
  await demoProgram().parseAsync(process.argv);
} catch (err) {
  // A service that exited while starting has said why in its own line above this one.
  process.stderr.write(commandFailureText(err));
  // Whatever a library still retries must not keep the command from ending.
  process.exit(1);
}
