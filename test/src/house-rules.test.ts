import { fileURLToPath } from 'node:url';

import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The house rules that lint enforces, tried on code that breaks them: `npm test` runs ESLint, so a
 * rule that stopped firing would let the break into main unnoticed.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));

async function problemsOf(file: string, code: string, rule = 'no-restricted-imports'): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: `${root}${file}` });
  return result!.messages.filter((m) => m.ruleId === rule).map((m) => m.message);
}

describe('apps never import apps', () => {
  it('refuses an import of one service by another', async () => {
    const problems = await problemsOf(
      'services/bridge/src/result-bridge.ts',
      "import { createServer } from '@govmesh/api';\nexport const s = createServer;\n",
    );
    expect(problems).toEqual([expect.stringContaining('services/bridge must not import the api app')]);
  }, 60_000);

  it('lets a service use the shared libraries and contracts', async () => {
    const problems = await problemsOf(
      'services/bridge/src/result-bridge.ts',
      "import { CaseClient } from '@govmesh/case-client';\nimport { taskIdOf } from '@govmesh/contracts/case-ids';\nexport const c = [CaseClient, taskIdOf];\n",
    );
    expect(problems).toEqual([]);
  }, 60_000);
});

describe('one owner for default ports', () => {
  it("refuses a port spelled in a service's configuration", async () => {
    const code =
      "import { z } from 'zod';\nexport const Env = z.object({ PORT: z.coerce.number().default(17_284) });\n";
    expect(await problemsOf('services/web/src/config.ts', code, 'no-restricted-syntax')).toEqual([
      expect.stringContaining('DEFAULT_PORTS'),
    ]);
    const owned =
      "import { DEFAULT_PORTS } from '@govmesh/messaging';\nimport { z } from 'zod';\nexport const Env = z.object({ PORT: z.coerce.number().default(DEFAULT_PORTS.web) });\n";
    expect(await problemsOf('services/web/src/config.ts', owned, 'no-restricted-syntax')).toEqual([]);
  }, 60_000);
});
