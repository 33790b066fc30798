import { DEFAULT_PORTS, DataDirEnv, caseKeysSource } from '@govmesh/messaging';
import { z } from 'zod';

/** What the command line reads from the environment, parsed once, with laptop defaults. */
const CliEnv = z.object({
  GOVMESH_API_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS.api}`),
  GOVMESH_TOKEN: z.string().min(1).optional(),
  GOVMESH_CASE_KEYS_FILE: z.string().min(1).optional(),
});

export type CliConfig = z.infer<typeof CliEnv> & {
  readonly dataDir: string;
  /** The case data keyring file the services on this machine use (`govmesh case-keys`). */
  readonly caseKeysFile: string;
};

/** Throws a ZodError naming each bad variable; `main.ts` prints it. */
export function loadCliConfig(env: Record<string, string | undefined> = process.env): CliConfig {
  const cli = CliEnv.parse(env);
  const { dataDir } = DataDirEnv.parse(env);
  return { ...cli, dataDir, caseKeysFile: caseKeysSource(cli, dataDir).file };
}
