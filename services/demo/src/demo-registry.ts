import { serveRegistry, type RegistryPolicy, type RegistryService } from '@govmesh/agency-sdk';
import type { TokenVerifier } from '@govmesh/tokens';
import type { Logger } from 'pino';

/**
 * Market regulation's enterprise registry, as the demo runs it: its own service, through the
 * agency SDK, deciding by its own policy who may read which fields for which purpose.
 */
export const DEMO_REGISTRY = { agency: 'market-regulation', registry: 'enterprise-registry' } as const;

/** The demo's companies: more than any one look-up needs, as a real registry holds. */
const COMPANIES: Readonly<Record<string, Record<string, unknown>>> = {
  'ENT-1001': {
    name: 'Harbour Bakery Ltd',
    status: 'active',
    registeredAddress: '1 Quay Street',
    directors: ['M. Baker'],
    vatNumber: 'VAT-55-1001',
  },
  'ENT-1002': {
    name: 'Northside Logistics',
    status: 'active',
    registeredAddress: '9 Depot Lane',
    directors: ['R. Haul'],
    vatNumber: 'VAT-55-1002',
  },
  'ENT-1003': {
    name: 'Old Mill Textiles',
    status: 'dissolved',
    registeredAddress: '3 Mill Road',
    directors: ['T. Weaver'],
    vatNumber: 'VAT-55-1003',
  },
};

/**
 * Who may read what: social security, for the income support's employer check, the name and the
 * status; the tax office, for VAT, the name and the VAT number. Nobody reads the directors.
 */
export const DEMO_REGISTRY_POLICY: RegistryPolicy = {
  'social-security': {
    purposes: ['Confirm that the declared employer exists and is active'],
    fields: ['name', 'status'],
  },
  'tax-office': { purposes: ['Match a VAT return to the registered business'], fields: ['name', 'vatNumber'] },
};

/** Where the demo agencies find the enterprise registry: `<provider>/<registry>` → URL. */
export function demoRegistryAddress(url: string): Record<string, string> {
  return { [`${DEMO_REGISTRY.agency}/${DEMO_REGISTRY.registry}`]: url };
}

export function demoRegistry(options: {
  readonly tokens: TokenVerifier;
  readonly logger: Logger;
  readonly port?: number;
  readonly logFile?: string;
}): RegistryService {
  return serveRegistry({
    ...DEMO_REGISTRY,
    policy: DEMO_REGISTRY_POLICY,
    find: (key) => Promise.resolve(COMPANIES[String(key)]),
    tokens: options.tokens,
    logger: options.logger,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.logFile ? { logFile: options.logFile } : {}),
  });
}
