import type { z } from 'zod';

import {
  vetFormUi,
  vetSchema,
  formRevisionBreaks,
  taskTypeRevisionBreaks,
  type ContractProblem,
} from './publication-check.js';
import type { BreakingChange } from '../compatibility.js';
import {
  ContractName,
  FormPublication,
  TaskTypePublication,
  type Deprecation,
  type FormRevision,
  type TaskTypeRevision,
} from './publications.js';

type RevisionBase = TaskTypeRevision | FormRevision;

/** Why a publish was refused: the body is wrong (422), it is not the caller's (403), or it breaks the major (409). */
export type PublishRefusal = {
  readonly ok: false;
  readonly kind: 'invalid' | 'not-owner' | 'incompatible';
  readonly problems: readonly ContractProblem[];
};
export type PublishOutcome<T> =
  { readonly ok: true; readonly revision: T; readonly unchanged: boolean } | PublishRefusal;

export interface PublishRequest<T> {
  readonly name: string;
  readonly major: number;
  readonly body: unknown;
  /** The agency the publisher's token acts for. */
  readonly agency: string;
  readonly by: string;
  readonly at: Date;
  /** The major's latest revision, if any. */
  readonly latest?: T;
}

function zodProblems(error: z.ZodError, prefix: string): ContractProblem[] {
  return error.issues.map((i) => {
    const path = [prefix, ...i.path.map(String)].join('.');
    return { path, rule: 'schema', message: `${path}: ${i.message}` };
  });
}

function nameProblems(name: string, major: number, body: unknown): ContractProblem[] {
  const problems: ContractProblem[] = [];
  const said = (body ?? {}) as { name?: unknown; major?: unknown };
  if (said.name !== undefined && said.name !== name)
    problems.push({
      path: 'body.name',
      rule: 'name-mismatch',
      message: `body.name ${JSON.stringify(said.name)} is not ${name}, the name in the path`,
    });
  if (said.major !== undefined && said.major !== major)
    problems.push({
      path: 'body.major',
      rule: 'name-mismatch',
      message: `body.major ${JSON.stringify(said.major)} is not ${major}, the major in the path`,
    });
  const n = ContractName.safeParse(name);
  if (!n.success)
    problems.push({ path: 'params.name', rule: 'schema', message: `params.name: ${n.error.issues[0]!.message}` });
  if (!Number.isInteger(major) || major < 1)
    problems.push({
      path: 'params.major',
      rule: 'schema',
      message: 'params.major: a major version is a whole number from 1',
    });
  return problems;
}

function ownership(
  ref: string,
  owner: string,
  latestOwner: string | undefined,
  agency: string,
): PublishRefusal | undefined {
  const problems: ContractProblem[] = [];
  if (latestOwner !== undefined && latestOwner !== agency)
    problems.push({
      path: 'body.ownerAgency',
      rule: 'not-owner',
      message: `${ref} is owned by ${latestOwner}; your token acts for ${agency}`,
    });
  else if (owner !== agency)
    problems.push({
      path: 'body.ownerAgency',
      rule: 'not-owner',
      message: `body.ownerAgency must be ${agency}, the agency your token acts for`,
    });
  return problems.length ? { ok: false, kind: 'not-owner', problems } : undefined;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What differs between publishing a task type and a form; the order of checks is the same. */
interface Kind<B extends { ownerAgency: string; deprecation?: Deprecation | undefined }, T> {
  readonly parse: (body: unknown) => z.ZodSafeParseResult<B>;
  /** Problems with the schemas of a raw body; `parsed` when the body itself parsed. */
  readonly vet: (raw: Record<string, unknown>, parsed: B | undefined) => ContractProblem[];
  readonly breaks: (latest: T, body: B) => BreakingChange[];
  /** The parts of the body a revision keeps (schemas and wording). */
  readonly content: (body: B | T) => Omit<B, 'name' | 'major' | 'ownerAgency' | 'deprecation'>;
}

function nextRevision<B extends { ownerAgency: string; deprecation?: Deprecation | undefined }, T extends RevisionBase>(
  kind: Kind<B, T>,
  req: PublishRequest<T>,
): PublishOutcome<T> {
  const ref = `${req.name}@${req.major}`;
  const parsed = kind.parse(req.body);
  const raw = (req.body ?? {}) as Record<string, unknown>;
  const problems = [
    ...nameProblems(req.name, req.major, req.body),
    ...(parsed.success ? [] : zodProblems(parsed.error, 'body')),
    ...kind.vet(raw, parsed.success ? parsed.data : undefined),
  ];
  if (parsed.success && parsed.data.deprecation?.replacedBy === ref)
    problems.push({
      path: 'body.deprecation.replacedBy',
      rule: 'replaced-by-itself',
      message: `${ref} cannot be replaced by itself`,
    });
  if (problems.length || !parsed.success) return { ok: false, kind: 'invalid', problems: dedupe(problems) };
  const body = parsed.data;
  const refused = ownership(ref, body.ownerAgency, req.latest?.ownerAgency, req.agency);
  if (refused) return refused;
  const { latest } = req;
  const content = kind.content(body);
  if (latest) {
    const breaks = kind.breaks(latest, body);
    if (breaks.length)
      return {
        ok: false,
        kind: 'incompatible',
        problems: breaks.map((b) => ({ path: `body.${b.path}`, rule: b.rule, message: b.message })),
      };
    if (sameJson(kind.content(latest), content) && sameJson(latest.deprecation ?? null, body.deprecation ?? null))
      return { ok: true, revision: latest, unchanged: true };
  }
  const revision = {
    name: req.name,
    major: req.major,
    revision: (latest?.revision ?? 0) + 1,
    ownerAgency: body.ownerAgency,
    ...content,
    ...(body.deprecation ? { deprecation: body.deprecation } : {}),
    publishedAt: req.at.toISOString(),
    publishedBy: req.by,
  };
  return { ok: true, unchanged: false, revision: revision as unknown as T };
}

const TASK_TYPE: Kind<TaskTypePublication, TaskTypeRevision> = {
  parse: (body) => TaskTypePublication.safeParse(body),
  vet: (raw) => [
    ...('input' in raw ? vetSchema(raw.input, 'body.input') : []),
    ...('output' in raw ? vetSchema(raw.output, 'body.output') : []),
  ],
  breaks: (latest, body) => taskTypeRevisionBreaks(latest, body),
  content: ({ title, input, output }) => ({ title, input, output }),
};

const FORM: Kind<FormPublication, FormRevision> = {
  parse: (body) => FormPublication.safeParse(body),
  vet: (raw, parsed) => {
    const schema = 'schema' in raw ? vetSchema(raw.schema, 'body.schema') : [];
    // The labels are checked against a schema that is itself sound.
    const ui =
      parsed && schema.length === 0
        ? vetFormUi(parsed.schema, parsed.ui).map((p) => ({ ...p, path: `body.${p.path}` }))
        : [];
    return [...schema, ...ui];
  },
  breaks: (latest, body) => formRevisionBreaks(latest.schema, body.schema),
  content: ({ title, schema, ui }) => ({ title, schema, ui }),
};

/**
 * The next revision of a task type, or why not. Every problem with the body is listed at once;
 * then ownership; then the gate: a revision may change only what no partner of the major notices.
 */
export function nextTaskTypeRevision(req: PublishRequest<TaskTypeRevision>): PublishOutcome<TaskTypeRevision> {
  return nextRevision(TASK_TYPE, req);
}

/** The next revision of an application form, or why not (the same order of checks). */
export function nextFormRevision(req: PublishRequest<FormRevision>): PublishOutcome<FormRevision> {
  return nextRevision(FORM, req);
}

function dedupe(problems: readonly ContractProblem[]): ContractProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(p.message) && seen.add(p.message) !== undefined);
}
