#!/usr/bin/env node
import { demoProgram } from './demo-program.js';

await demoProgram().parseAsync(process.argv);
