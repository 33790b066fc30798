import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PREBUILT_CASE_WORKFLOWS, prebuiltCaseWorkflows } from '@govmesh/worker';
import { describe, expect, it } from 'vitest';

import { freshBundle } from './case-workflow-bundle.js';

/** A file written with the given modification time (seconds since the epoch). */
function fileAt(path: string, seconds: number): string {
  writeFileSync(path, '//');
  utimesSync(path, seconds, seconds);
  return path;
}

describe('the case workflows bundled by the build', () => {
  it('are used only while newer than every module they were made from', () => {
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-bundle-'));
    const sources = join(dir, 'workflows');
    mkdirSync(join(sources, 'steps'), { recursive: true });
    fileAt(join(sources, 'service-case.workflow.js'), 1_000);
    const nested = fileAt(join(sources, 'steps', 'partner-step.js'), 1_000);
    const bundle = fileAt(join(dir, 'case-workflows.bundle.js'), 2_000);
    expect(freshBundle(bundle, [sources])).toBe(bundle);
    // A step rebuilt after the bundle: the worker must bundle what is built, not run the old code.
    utimesSync(nested, 3_000, 3_000);
    expect(freshBundle(bundle, [sources])).toBeUndefined();
    expect(freshBundle(join(dir, 'missing.bundle.js'), [sources])).toBeUndefined();
  });

  it('are written by the build, with the trace interceptors and the shared modules in them', () => {
    // Through the package's door: the built worker, as a service runs it (npm test builds first).
    expect(prebuiltCaseWorkflows()).toBe(PREBUILT_CASE_WORKFLOWS);
    const code = readFileSync(PREBUILT_CASE_WORKFLOWS, 'utf8');
    expect(code).toContain('workflows/dist/trace-propagation.js');
    expect(code).toContain('workflows/dist/sandbox-stack-depth.js');
    expect(code).toContain('contracts/dist/standards/schema-validator.js');
  });
});
