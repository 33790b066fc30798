/**
 * Other agencies' registries that a case may read for a stated purpose. The demo holds the
 * enterprise registry that market regulation shares with the tax and social-security agencies.
 */
export class RegistryDirectory {
  constructor(
    private readonly registries: Readonly<Record<string, Readonly<Record<string, Record<string, unknown>>>>>,
  ) {}

  lookup(agency: string, registry: string, key: unknown): Record<string, unknown> {
    const entry = this.registries[`${agency}/${registry}`]?.[String(key)];
    return entry ? { found: true, ...entry } : { found: false };
  }
}

export const DEMO_REGISTRIES = new RegistryDirectory({
  'market-regulation/enterprise-registry': {
    // More than any one step needs, as a real registry holds: a lookup takes only the fields it names.
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
  },
});
