import { PARTNERS_HOLDING_TASKS } from '@govmesh/workflows/case-api';
import proto from '@temporalio/proto';

// @temporalio/proto is CommonJS: its namespaces are reachable only through the default export.
const { temporal } = proto;
type OperatorService = proto.temporal.api.operatorservice.v1.OperatorService;

/** The namespace lacks a search attribute the cases need, and govmesh may not add it. */
export class SearchAttributesMissing extends Error {
  override readonly name = 'SearchAttributesMissing';
  readonly code = 'TEMPORAL.SEARCH_ATTRIBUTES_MISSING';
  readonly retriable = false;
}

/**
 * Registers the search attributes the case workflow keeps (idempotent; the worker calls it at
 * start). A case that upserts an unregistered one would stall on every workflow task, so a
 * namespace where they cannot be added refuses the worker's start, saying what to run.
 */
export async function ensureCaseSearchAttributes(
  connection: { readonly operatorService: OperatorService },
  namespace: string,
): Promise<void> {
  const { name } = PARTNERS_HOLDING_TASKS;
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  if (customAttributes?.[name] !== undefined) return;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: { [name]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST },
    });
  } catch (err) {
    // Another worker added it meanwhile: ALREADY_EXISTS (gRPC code 6).
    if ((err as { code?: number }).code === 6) return;
    throw new SearchAttributesMissing(
      `namespace ${namespace} has no search attribute ${name} and it could not be added (${(err as Error).message}); ` +
        `an operator can add it: temporal operator search-attribute create --namespace ${namespace} --name ${name} --type KeywordList`,
      { cause: err },
    );
  }
}
