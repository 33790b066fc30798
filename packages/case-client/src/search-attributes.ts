import { CASE_SEARCH_ATTRIBUTES } from '@govmesh/workflows/case-api';
import proto from '@temporalio/proto';

// @temporalio/proto is CommonJS: its namespaces are reachable only through the default export.
const { temporal } = proto;
type OperatorService = proto.temporal.api.operatorservice.v1.OperatorService;
type AttributeType = (typeof CASE_SEARCH_ATTRIBUTES)[number]['type'];

const INDEXED_TYPES: Record<AttributeType, proto.temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};
const CLI_TYPES: Record<AttributeType, string> = { KEYWORD_LIST: 'KeywordList', INT: 'Int', DATETIME: 'Datetime' };

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
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = CASE_SEARCH_ATTRIBUTES.filter((key) => customAttributes?.[key.name] === undefined);
  if (missing.length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_TYPES[key.type]])),
    });
  } catch (err) {
    // Another worker added them meanwhile: ALREADY_EXISTS (gRPC code 6).
    if ((err as { code?: number }).code === 6) return;
    const commands = missing
      .map(
        (key) =>
          `temporal operator search-attribute create --namespace ${namespace} --name ${key.name} --type ${CLI_TYPES[key.type]}`,
      )
      .join('; ');
    throw new SearchAttributesMissing(
      `namespace ${namespace} lacks the search attributes ${missing.map((k) => k.name).join(', ')} and they could not be added (${(err as Error).message}); an operator can add them: ${commands}`,
      { cause: err },
    );
  }
}
