import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('the API process and its issuer', () => {
  const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
  const start = (env: Record<string, string>) =>
    run(process.execPath, [main], {
      env: { PATH: process.env.PATH ?? '', HOME: mkdtempSync(join(tmpdir(), 'govmesh-api-home-')), ...env },
      timeout: 20_000,
    }).then(
      () => ({ code: 0, output: '' }),
      (err: { code: number; stdout: string; stderr: string }) => ({
        code: err.code,
        output: `${err.stdout}${err.stderr}`,
      }),
    );

  it('refuses to start in production without an OpenID Connect issuer, naming the variable', async () => {
    for (const env of [{ NODE_ENV: 'production' }, { GOVMESH_PRODUCTION: 'true' }] as Array<Record<string, string>>) {
      const { code, output } = await start(env);
      expect(code).toBe(1);
      expect(output).toContain('in production the API needs an OpenID Connect issuer: set GOVMESH_OIDC_ISSUER');
    }
  }, 30_000);

  it('stops at once with one line naming GOVMESH_OIDC_ISSUER when the issuer does not answer', async () => {
    const { code, output } = await start({ GOVMESH_OIDC_ISSUER: 'http://127.0.0.1:1/realms/none' });
    expect(code).toBe(1);
    const fatal = output.split('\n').filter((l) => l.includes('"level":60'));
    expect(fatal).toHaveLength(1);
    expect(JSON.parse(fatal[0]!)).toMatchObject({
      code: 'AUTH.ISSUER_UNAVAILABLE',
      msg: expect.stringMatching(/cannot be used: .*; check GOVMESH_OIDC_ISSUER$/) as unknown,
    });
  }, 30_000);
});
