import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/**
 * Writes the failures the JSON reporter leaves out: a describe block's failed beforeAll/afterAll
 * (the JSON report only marks its file "failed", with no message) and errors outside any test.
 * CI machines keep only the log's tail, so `.ci/run` prints these beside the count; without them
 * a teardown that fails on a machine nobody can log into reads as a bare file name.
 */
export default class FailureReporter implements Reporter {
  private readonly outputFile: string;

  constructor(options: { outputFile?: string } = {}) {
    this.outputFile = options.outputFile ?? '.vitest/suite-errors.json';
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const failures: Array<{ file: string; where: string; message: string; stack: string }> = [];
    const add = (file: string, where: string, errors: readonly SerializedError[]) => {
      for (const error of errors)
        failures.push({ file, where, message: String(error.message ?? error), stack: String(error.stack ?? '') });
    };
    for (const module of modules) {
      add(module.moduleId, '(file)', module.errors());
      for (const suite of module.children.allSuites()) add(module.moduleId, suite.fullName, suite.errors());
    }
    add('', '(outside any test)', unhandledErrors);
    mkdirSync(dirname(this.outputFile), { recursive: true });
    writeFileSync(this.outputFile, JSON.stringify(failures, null, 2));
  }
}
