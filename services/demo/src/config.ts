import { DEFAULT_PORTS } from '@govmesh/messaging';
import { z } from 'zod';

/** What `govmesh up` and `govmesh demo` read from the environment, parsed once, with laptop defaults. */
const DemoEnv = z.object({
  GOVMESH_API_PORT: z.coerce.number().int().min(1).max(65_535).default(DEFAULT_PORTS.api),
  /** Where the web front end (the citizen portal) listens. */
  GOVMESH_WEB_PORT: z.coerce.number().int().min(1).max(65_535).default(DEFAULT_PORTS.web),
  /** An API already serving elsewhere; by default the one this command starts. */
  GOVMESH_API_URL: z.url().optional(),
  /** Partner ids of this run's own (`swift-checks-<suffix>`), so a test never reads an earlier run's topics. */
  GOVMESH_DEMO_PARTNER_SUFFIX: z
    .string()
    .regex(/^[a-z0-9-]*$/, 'lower-case letters, digits and dashes')
    .default(''),
});

export type DemoConfig = z.infer<typeof DemoEnv> & { readonly apiUrl: string; readonly webUrl: string };

/** Throws a ZodError naming each bad variable; the CLI prints it. */
export function loadDemoConfig(env: Record<string, string | undefined>): DemoConfig {
  const parsed = DemoEnv.parse(env);
  return {
    ...parsed,
    apiUrl: parsed.GOVMESH_API_URL ?? `http://127.0.0.1:${parsed.GOVMESH_API_PORT}`,
    webUrl: `http://127.0.0.1:${parsed.GOVMESH_WEB_PORT}`,
  };
}

/**
 * The environment this command runs in: read here and nowhere else. It is parsed above and by
 * infra's schema, and passed on whole to the processes `govmesh up` starts, each of which parses
 * it with its own schema.
 */
export function processEnvironment(): Record<string, string | undefined> {
  return process.env;
}
