import { deprecationStatus, type Deprecation, type PinnedContracts } from '@govmesh/contracts/standards';

import type { ServiceVersion } from './platform-store.js';
import { ApiProblem } from './problems.js';
import { today, type ApiDeps } from './route-spec.js';

/**
 * What a new case of this version carries: the schemas of the revisions the version was published
 * with (a version from before pinning takes the latest), and each major's deprecation as it stands
 * now. A major past its sunset stops new cases with 409 CONTRACT.PAST_SUNSET, and the refusal is
 * logged for the owning agency (and counted by code on /metrics, which an alert reads).
 */
export async function pinnedContracts(version: ServiceVersion, deps: ApiDeps): Promise<PinnedContracts> {
  const { definition, pins } = version;
  const on = today(deps);
  const pastSunset: Array<{ path: string; message: string }> = [];
  const resolve = <T extends { revision: number; deprecation?: Deprecation }>(
    ref: string,
    revisions: readonly T[],
    pinned: number | undefined,
    path: string,
  ): T => {
    const latest = revisions.at(-1);
    const chosen = pinned === undefined ? latest : revisions.find((r) => r.revision === pinned);
    if (!chosen || !latest)
      throw new Error(
        `${definition.id} v${definition.version}: ${ref} revision ${pinned ?? 'latest'} is not in the registry`,
      );
    if (deprecationStatus(latest.deprecation, on) === 'past-sunset')
      pastSunset.push({
        path,
        message: `${ref} was retired on ${latest.deprecation!.sunset}; the agency must publish a version using ${latest.deprecation!.replacedBy}`,
      });
    return { ...chosen, deprecation: latest.deprecation };
  };
  const [formName, formMajor] = definition.application.schema.split('@') as [string, string];
  const form = resolve(
    definition.application.schema,
    await deps.store.formRevisions(formName, Number(formMajor)),
    pins?.application.revision,
    'service.application.schema',
  );
  const taskRefs = pins ? Object.keys(pins.taskTypes) : partnerTaskRefs(definition.steps);
  const taskTypes = Object.fromEntries(
    await Promise.all(
      taskRefs.map(async (ref) => {
        const [name, major] = ref.split('@') as [string, string];
        const t = resolve(
          ref,
          await deps.store.taskTypeRevisions(name, Number(major)),
          pins?.taskTypes[ref],
          `service.task.${ref}`,
        );
        return [
          ref,
          {
            revision: t.revision,
            input: t.input,
            output: t.output,
            ...(t.deprecation ? { deprecation: t.deprecation } : {}),
          },
        ] as const;
      }),
    ),
  );
  if (pastSunset.length) {
    deps.logger.warn(
      {
        serviceId: definition.id,
        version: definition.version,
        agency: definition.ownerAgency,
        contracts: pastSunset.map((p) => p.message),
      },
      'a case was refused: the service uses a contract past its sunset; the owning agency must publish a new version',
    );
    throw new ApiProblem(
      409,
      'The service uses a retired contract',
      `${definition.id} cannot take new applications until ${definition.ownerAgency} publishes a version without: ${pastSunset.map((p) => p.message).join('; ')}`,
      { code: 'CONTRACT.PAST_SUNSET', errors: pastSunset },
    );
  }
  return {
    application: { ref: definition.application.schema, revision: form.revision, schema: form.schema },
    taskTypes,
  };
}

/** The task types of a definition's partner steps (parallel groups included), sorted. */
export function partnerTaskRefs(steps: readonly unknown[]): string[] {
  const refs = new Set<string>();
  const visit = (list: readonly unknown[]): void => {
    for (const step of list as Array<{ task?: string; partners?: unknown; parallel?: unknown[] }>) {
      if (step.task && step.partners) refs.add(step.task);
      if (step.parallel) visit(step.parallel);
    }
  };
  visit(steps);
  return [...refs].sort();
}
