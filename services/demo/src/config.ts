import { DEFAULT_PORTS, DataDirEnv, PlatformEnv, caseKeysSource, loadProcessConfig } from '@govmesh/messaging';
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

/** What one demo agency's process (`govmesh-demo-agency`) reads: which agency, and where govmesh is. */
export const DemoAgencyEnv = PlatformEnv.extend({
  GOVMESH_AGENCY: z.string().regex(/^[a-z][a-z0-9-]*$/, 'an agency is a kebab-case name such as public-security'),
  /** Where the agency announces what it offers. */
  GOVMESH_API_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS.api}`),
  /**
   * The agency's token (agency-admin of GOVMESH_AGENCY); by default the demo mints one from the
   * development issuer of the data folder, as `govmesh token mint` does.
   */
  GOVMESH_AGENCY_TOKEN: z.string().min(1).optional(),
  /**
   * Where the agency's cases read other agencies' registries, `<provider>/<registry>=<url>`, comma
   * separated; by default the demo's enterprise registry on this machine.
   */
  GOVMESH_REGISTRY_URLS: z
    .string()
    .default(`market-regulation/enterprise-registry=http://127.0.0.1:${DEFAULT_PORTS.registry}`)
    .transform((list, ctx) => {
      const entries = list
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean)
        .map((e) => e.split('='));
      for (const entry of entries)
        if (entry.length !== 2 || !/^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/.test(entry[0]!) || !URL.canParse(entry[1]!))
          ctx.addIssue({ code: 'custom', message: `${entry.join('=')}: write <agency>/<registry>=<url>` });
      return Object.fromEntries(entries) as Record<string, string>;
    }),
});

/** The demo's enterprise registry service: where it listens, and its own log of every exchange. */
export const DemoRegistryEnv = PlatformEnv.extend({
  GOVMESH_REGISTRY_PORT: z.coerce.number().int().min(0).max(65_535).default(DEFAULT_PORTS.registry),
});

export function loadDemoRegistryConfig(env: Record<string, string | undefined> = processEnvironment()) {
  const registry = loadProcessConfig('demo-registry', DemoRegistryEnv, env);
  const where = loadProcessConfig('demo-registry', DataDirEnv, env);
  return { ...registry, dataDir: where.dataDir };
}

export function loadDemoAgencyConfig(env: Record<string, string | undefined> = processEnvironment()) {
  const agency = loadProcessConfig('demo-agency', DemoAgencyEnv, env);
  const where = loadProcessConfig('demo-agency', DataDirEnv, env);
  return { ...agency, dataDir: where.dataDir, caseKeys: caseKeysSource(agency, where.dataDir) };
}
