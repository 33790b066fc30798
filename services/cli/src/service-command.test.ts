import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { validateServiceFile } from './service-command.js';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
const bin = fileURLToPath(new URL('../bin/govmesh.js', import.meta.url));
const run = promisify(execFile);

function fileWith(name: string, content: string | Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'govmesh-cli-')), name);
  writeFileSync(path, content);
  return path;
}

describe('govmesh service validate', () => {
  it('prints "valid" with the derived mode of each step', () => {
    const { output, exitCode } = validateServiceFile(join(examples, 'business-licence.yaml'), false);
    expect(exitCode).toBe(0);
    expect(output.split('\n').slice(0, 4)).toEqual([
      'valid: business-licence version 4 (Business licence)',
      '  verify-identity      in-house',
      '  background-check     outsourced',
      '  site-inspection      controlled',
    ]);
  });

  it('knows the published standards of a --contracts folder, and warns about a deprecated task type', () => {
    const offline = validateServiceFile(join(examples, 'well-permit.yaml'), false);
    expect(offline.exitCode).toBe(1);
    expect(offline.output).toContain('well-permit-application@1 is not a published form');
    const withStandards = validateServiceFile(join(examples, 'well-permit.yaml'), false, join(examples, 'standards'));
    expect(withStandards).toMatchObject({
      exitCode: 0,
      output: expect.stringMatching(/^valid: well-permit version 1/) as unknown,
    });
    expect(validateServiceFile(join(examples, 'business-licence.yaml'), false).output).toMatch(
      /! step background-check: task background-check@1 is deprecated and served until 2027-06-30; move to background-check@2 \[contract-deprecated\]/,
    );
  });

  it('prints every problem and exits 1', () => {
    const { output, exitCode } = validateServiceFile(join(examples, 'invalid/five-mistakes.yaml'), false);
    expect(exitCode).toBe(1);
    expect(output).toMatch(/five-mistakes\.yaml: 5 problems\n/);
    expect(output).toContain(
      '  - step verify-identity: core-and-critical work never leaves the government: remove partners and use run or officer [core-critical-to-partner]',
    );
  });

  it('prints { valid, steps, problems, warnings } with --json for scripts', () => {
    const { output, exitCode } = validateServiceFile(join(examples, 'invalid/five-mistakes.yaml'), true);
    const parsed = JSON.parse(output) as {
      valid: boolean;
      steps: unknown[];
      problems: Array<{ step: string; rule: string; message: string }>;
    };
    expect(exitCode).toBe(1);
    expect(Object.keys(parsed)).toEqual(['valid', 'steps', 'problems', 'warnings']);
    expect(parsed.valid).toBe(false);
    expect(parsed.problems).toHaveLength(5);
    expect(Object.keys(parsed.problems[0]!)).toEqual(['step', 'rule', 'message']);
  });

  it.each([
    ['an empty file', 'empty.yaml', '   \n# nothing here\n', 'empty-file'],
    ['broken YAML', 'broken.yaml', 'steps: [1, 2\nid: }', 'not-yaml-or-json'],
    ['a binary file', 'binary.yaml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]), 'not-yaml-or-json'],
    ['plain prose', 'prose.txt', 'Please licence my bakery.', 'schema'],
  ])('turns %s into one clear problem', (_what, name, content, rule) => {
    const { output, exitCode } = validateServiceFile(fileWith(name, content), true);
    const parsed = JSON.parse(output) as { problems: Array<{ rule: string; message: string }> };
    expect(exitCode).toBe(1);
    expect(parsed.problems.map((p) => p.rule)).toEqual([rule]);
  });

  it('names the line of a YAML error', () => {
    const { output } = validateServiceFile(
      fileWith('broken.yaml', 'apiVersion: govmesh/v1\nsteps: [1, 2\nid: }'),
      false,
    );
    expect(output).toMatch(/is not valid YAML or JSON at line \d+, column \d+/);
  });

  it('works as the installed govmesh command, with exit code 1 and no stack trace on a bad file', async () => {
    const ok = await run('node', [bin, 'service', 'validate', '-f', join(examples, 'social-benefit.yaml')]);
    expect(ok.stdout).toMatch(/^valid: social-benefit version 2/);
    const failure = await run('node', [bin, 'service', 'validate', '-f', '/nonexistent/service.yaml']).catch(
      (err: unknown) => err as { code: number; stdout: string; stderr: string },
    );
    expect(failure).toMatchObject({
      code: 1,
      stdout:
        '/nonexistent/service.yaml: 1 problem\n  - cannot read /nonexistent/service.yaml: no such file [file-unreadable]\n',
    });
    expect((failure as { stderr: string }).stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
