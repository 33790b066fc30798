/**
 * Other agencies' registries that a case may read for a stated purpose. The demo holds the
 * enterprise registry that market regulation shares with the tax and social-security agencies.
 */
export class RegistryDirectory {
  constructor(private readonly registries: Readonly<Record<string, Readonly<Record<string, Record<string, unknown>>>>>) {}

  lookup(agency: string, registry: string, key: unknown): Record<string, unknown> {
    const entry = this.registries[`${agency}/${registry}`]?.[String(key)];
    return entry ? { found: true, ...entry } : { found: false };
  }
}

export const DEMO_REGISTRIES = new RegistryDirectory({
  'market-regulation/enterprise-registry': {
    'ENT-1001': { name: 'Harbour Bakery Ltd', status: 'active' },
    'ENT-1002': { name: 'Northside Logistics', status: 'active' },
    'ENT-1003': { name: 'Old Mill Textiles', status: 'dissolved' },
  },
});
