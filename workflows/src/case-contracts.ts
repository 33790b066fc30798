import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import { seedForms, seedTaskTypes, type PinnedContracts } from '@govmesh/contracts/standards';

import type { ServiceCaseInput } from './case-api.js';

/**
 * The contracts a case validates against for its whole life: those it was started with. A case
 * started before contracts were pinned started under the seed catalogue (revision 1 of each major,
 * the standards then compiled into govmesh), so it keeps that.
 */
export function pinnedContractsOf(input: ServiceCaseInput): PinnedContracts {
  return input.contracts ?? seedPins(input.definition);
}

function seedPins(definition: ServiceDefinition): PinnedContracts {
  const ref = definition.application.schema;
  const form = seedForms().find((f) => `${f.name}@${f.major}` === ref);
  return {
    // An unknown form (impossible for a published definition) checks nothing rather than everything.
    application: { ref, revision: 1, schema: form?.schema ?? {} },
    taskTypes: Object.fromEntries(
      seedTaskTypes().map((t) => [
        `${t.name}@${t.major}`,
        { revision: 1, input: t.input, output: t.output, ...(t.deprecation ? { deprecation: t.deprecation } : {}) },
      ]),
    ),
  };
}
