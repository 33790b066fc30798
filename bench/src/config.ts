import { z } from 'zod';

const Env = z.object({
  /** Cases per variant; more gives steadier means. */
  BENCH_CASES: z.coerce.number().int().min(1).max(10_000).default(20),
});

export function loadBenchConfig(env: Record<string, string | undefined> = process.env): z.infer<typeof Env> {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    process.stderr.write(`bench: invalid configuration\n${z.prettifyError(parsed.error)}\n`);
    process.exit(1);
  }
  return parsed.data;
}
