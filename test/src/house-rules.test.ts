import { fileURLToPath } from 'node:url';

import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The house rules that lint enforces, tried on code that breaks them: `npm test` runs ESLint, so a
 * rule that stopped firing would let the break into main unnoticed.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));

async function problemsOf(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: `${root}${file}` });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
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
