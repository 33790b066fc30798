import { SEED_FORM_SCHEMAS, SEED_TASK_TYPE_PINS } from '@govmesh/contracts/seed-contracts';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import type { PinnedContracts } from '@govmesh/contracts/standards';

import type { ServiceCaseInput } from './case-api.js';

/**
 * The contracts a case validates against for its whole life: those it was started with. A case
 * started before contracts were pinned started under the seed catalogue (revision 1 of each major,
 * the standards then compiled into govmesh), so it keeps that. The seed comes as plain data: every
 * module the workflow imports is evaluated once per case in the sandbox, so none of them builds
 * zod schemas.
 */
export function pinnedContractsOf(input: ServiceCaseInput): PinnedContracts {
  return input.contracts ?? seedPins(input.definition);
}

function seedPins(definition: ServiceDefinition): PinnedContracts {
  const ref = definition.application.schema;
  return {
    // An unknown form (impossible for a published definition) checks nothing rather than everything.
    application: { ref, revision: 1, schema: SEED_FORM_SCHEMAS[ref] ?? {} },
    taskTypes: SEED_TASK_TYPE_PINS,
  };
}
