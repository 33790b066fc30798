import { readFileSync } from 'node:fs';

import { loadCaseDataKeys, rotateCaseDataKey } from '@govmesh/case-client/case-data-encryption';
import { DevelopmentIssuer, ROLES, developmentIssuerKeyFile, type Role } from '@govmesh/tokens';
import { Command, Option } from 'commander';
import { parse } from 'yaml';

import { ApiCallFailed, callApi, callApiFor } from './api-client.js';
import { loadCliConfig } from './config.js';
import { nextPageTokenOf } from '@govmesh/contracts/api-paging';
import { table } from '@govmesh/messaging';

type Json = Record<string, unknown>;

/** Runs an action; prints the result as JSON or as text, and sets an exit code scripts can trust. */
function action<O extends { json?: boolean }>(
  run: (opts: O, ...args: string[]) => Promise<{ data: unknown; text: string }>,
) {
  return async function (this: Command, ...args: unknown[]): Promise<void> {
    const opts = this.opts<O>();
    try {
      const { data, text } = await run(opts, ...args.filter((a) => typeof a === 'string'));
      process.stdout.write(opts.json ? `${JSON.stringify(data, null, 2)}\n` : text);
    } catch (err) {
      if (!(err instanceof ApiCallFailed)) throw err;
      if (opts.json && err.problem) process.stdout.write(`${JSON.stringify(err.problem, null, 2)}\n`);
      process.stderr.write(`govmesh: ${err.message}\n`);
      process.exitCode = err.exitCode;
    }
  };
}

function readDocument(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ApiCallFailed(`cannot read ${path}: ${(err as Error).message}`, 1);
  }
  return parse(text) as unknown;
}

export function platformCommands(): Command[] {
  const agency = new Command('agency').description("what the agencies' workers offer");
  agency
    .command('list')
    .description("each agency's announced activities (definitions may name only these in run and compensate)")
    .option('--json')
    .action(
      action(async () => {
        const data = await callApi<Json[]>('GET', '/v1/agencies');
        return {
          data,
          text: table(
            data.flatMap((o) =>
              (o.activities as Json[]).map((a) => ({
                agency: o.agency,
                activity: a.name,
                announced: o.announcedAt,
                by: o.announcedBy,
              })),
            ),
          ),
        };
      }),
    );
  const service = new Command('service');
  service
    .command('apply')
    .description('publish a definition through the API (422 lists every problem)')
    .requiredOption('-f, --file <file>')
    .option(
      '--not-yet-deployed <agencies>',
      'agencies (comma-separated) whose workers are not running yet: their activities are warned about instead of refused',
    )
    .option('--json')
    .action(
      action<{ file: string; notYetDeployed?: string; json?: boolean }>(async (o) => {
        const doc = readDocument(o.file) as Json;
        const query = o.notYetDeployed ? `?notYetDeployed=${encodeURIComponent(o.notYetDeployed)}` : '';
        const data = await callApi<Json>('PUT', `/v1/services/${encodeURIComponent(String(doc.id))}${query}`, doc);
        const warnings = (data.warnings as Array<{ message: string }> | undefined) ?? [];
        return {
          data,
          text: `published ${String(data.id)} version ${String(data.version)}\n${warnings.map((w) => `  ! ${w.message}\n`).join('')}`,
        };
      }),
    );
  service
    .command('list')
    .description('the catalogue')
    .option('--json')
    .action(
      action(async () => {
        const data = await callApi<Json[]>('GET', '/v1/services');
        return {
          data,
          text: table(data.map((s) => ({ id: s.id, version: s.version, title: s.title, agency: s.ownerAgency }))),
        };
      }),
    );

  for (const status of ['deprecate', 'retire', 'activate'] as const) {
    service
      .command(status)
      .description(
        {
          deprecate: 'deprecate a version: it takes new cases only while no version is active',
          retire: 'retire a version: it takes no new case; running cases finish on it',
          activate: 'make a version active again',
        }[status],
      )
      .argument('<serviceId>')
      .argument('<version>')
      .requiredOption('--reason <reason>')
      .option('--json')
      .action(
        action<{ reason: string; json?: boolean }>(async (o, id, version) => {
          const data = await callApi<Json>(
            'PATCH',
            `/v1/services/${encodeURIComponent(id)}/versions/${encodeURIComponent(version)}`,
            { status: { deprecate: 'deprecated', retire: 'retired', activate: 'active' }[status], reason: o.reason },
          );
          return {
            data,
            text: `${id} version ${version} is ${String(data.status)}; new cases start on ${data.liveVersion === null ? 'no version (the service is retired)' : `version ${data.liveVersion as number}`}\n`,
          };
        }),
      );
  }

  const kase = new Command('case').description('citizens: apply and track');
  kase
    .command('submit')
    .description('apply for a service')
    .requiredOption('--service <id>')
    .requiredOption('-f, --file <application>', 'the application (YAML or JSON)')
    .option('--idempotency-key <key>')
    .option('--json')
    .action(
      action<{ service: string; file: string; idempotencyKey?: string; json?: boolean }>(async (o) => {
        const data = await callApi<Json>(
          'POST',
          '/v1/cases',
          { serviceId: o.service, application: readDocument(o.file) },
          o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {},
        );
        return { data, text: `submitted: case ${String(data.caseId)}\n` };
      }),
    );
  kase
    .command('status')
    .description('where a case is, in plain words')
    .argument('<caseId>')
    .option('--json')
    .action(
      action<{ json?: boolean }>(async (_o, caseId) => {
        const data = await callApi<{
          caseId: string;
          status: string;
          decision?: string;
          currentStep: { says: string; deadline?: string } | null;
          timeline: Json[];
        }>('GET', `/v1/cases/${encodeURIComponent(caseId)}`);
        const now = data.currentStep
          ? `now: ${data.currentStep.says}${data.currentStep.deadline ? ` (due ${data.currentStep.deadline})` : ''}\n`
          : '';
        return {
          data,
          text: `case ${data.caseId}: ${data.status}${data.decision ? ` (${data.decision})` : ''}\n${now}${table(data.timeline)}`,
        };
      }),
    );

  const task = new Command('task').description('officers: the inbox and decisions');
  task
    .command('list')
    .description("tasks waiting for the caller's roles: all of them oldest case first, or a page newest first")
    .option(
      '--page-size <n>',
      'one page of the tasks of at most n cases (1 to 500), overdue cases first, then newest first',
    )
    .option('--page-token <token>', 'the next page: the token the last page printed')
    .option('--json')
    .action(
      action(async (opts: { pageSize?: string; pageToken?: string; json?: boolean }) => {
        const paged = opts.pageSize !== undefined || opts.pageToken !== undefined;
        const query = new URLSearchParams({
          ...(opts.pageSize !== undefined ? { pageSize: opts.pageSize } : {}),
          ...(opts.pageToken !== undefined ? { pageToken: opts.pageToken } : {}),
        });
        const answer = await callApiFor<Json[]>('GET', paged ? `/v1/tasks?${query.toString()}` : '/v1/tasks');
        const tasks = answer.body;
        const nextPageToken = nextPageTokenOf(answer.headers.get('link'));
        const rows = table(
          tasks.map((t) => ({
            task: t.taskId,
            kind: t.kind,
            role: t.role,
            due: t.deadline,
            claimed: t.claimedBy ?? '',
          })),
        );
        if (!paged) return { data: tasks, text: rows };
        return {
          data: { tasks, ...(nextPageToken ? { nextPageToken } : {}) },
          text: nextPageToken
            ? `${rows}more: govmesh task list --page-size ${opts.pageSize ?? ''} --page-token ${nextPageToken}\n`
            : rows,
        };
      }),
    );
  for (const verb of ['claim', 'release'] as const)
    task
      .command(verb)
      .description(
        verb === 'claim'
          ? 'take a task to work on: nobody else may decide it until you release it (or it is escalated)'
          : 'give a claimed task back to its role',
      )
      .argument('<taskId>')
      .option('--version <n>', "the task's version you saw; refused if it has moved on", (v) => Number(v))
      .option('--json')
      .action(
        action<{ version?: number; json?: boolean }>(async (o, taskId) => {
          const data = await callApi<Json>('POST', `/v1/tasks/${encodeURIComponent(taskId)}/${verb}`, {
            ...(o.version !== undefined ? { version: o.version } : {}),
          });
          const version = String(data.version);
          return {
            data,
            text:
              verb === 'claim'
                ? `claimed ${taskId} (version ${version}): decide with --version ${version}\n`
                : `released ${taskId} (version ${version})\n`,
          };
        }),
      );
  task
    .command('decide')
    .description('decide an officer task or review')
    .argument('<taskId>')
    .addOption(
      new Option('--decision <decision>')
        .choices(['approve', 'reject', 'request-rework', 'request-information'])
        .makeOptionMandatory(),
    )
    .option('--reason <reason...>', 'why (sent to the partner on rework)')
    .option('--version <n>', 'the version your claim answered; refused if the task has moved on', (v) => Number(v))
    .option('--json')
    .action(
      action<{ decision: string; reason?: string[]; version?: number; json?: boolean }>(async (o, taskId) => {
        const data = await callApi<Json>('POST', `/v1/tasks/${encodeURIComponent(taskId)}/decision`, {
          decision: o.decision,
          ...(o.reason ? { reasons: o.reason } : {}),
          ...(o.version !== undefined ? { version: o.version } : {}),
        });
        return { data, text: `${o.decision}: ${taskId}\n` };
      }),
    );

  /** Shown once: govmesh keeps no copy of the password, so the operator hands it to the partner now. */
  const kafkaAccessText = (kafka: unknown): string => {
    const k = (kafka ?? {}) as Json;
    return (
      `Kafka access (shown once; hand it to the partner over a secure channel):\n` +
      `  brokers:   ${Array.isArray(k.brokers) ? k.brokers.join(',') : ''}\n  mechanism: ${String(k.mechanism)}\n` +
      `  username:  ${String(k.username)}\n  password:  ${String(k.password)}\n`
    );
  };
  const standards = ['contract', 'form'].map((kind) => {
    const path = kind === 'contract' ? 'task-types' : 'forms';
    const what = kind === 'contract' ? 'task type' : 'application form';
    const command = new Command(kind).description(
      kind === 'contract'
        ? 'task types: what partners are given and must answer (the contract registry)'
        : 'application forms: what citizens submit, with labels in en and zh-CN',
    );
    command
      .command('publish')
      .description(
        `publish a revision of a ${what} from a file (YAML or JSON, with name and major); 409 lists every breaking change`,
      )
      .requiredOption('-f, --file <file>')
      .option('--json')
      .action(
        action<{ file: string; json?: boolean }>(async (o) => {
          const doc = readDocument(o.file) as Json;
          if (typeof doc.name !== 'string' || typeof doc.major !== 'number')
            throw new ApiCallFailed(`${o.file}: a ${what} file names itself with name: <kebab-case> and major: <n>`, 1);
          const data = await callApi<Json>('PUT', `/v1/${path}/${encodeURIComponent(doc.name)}/${doc.major}`, doc);
          return { data, text: `published ${String(data.ref)} revision ${String(data.revision)}\n` };
        }),
      );
    command
      .command('list')
      .description(`every ${what} with its latest revision and lifecycle`)
      .option('--json')
      .action(
        action(async () => {
          const data = await callApi<Json[]>('GET', `/v1/${path}`);
          return {
            data,
            text: table(
              data.map((c) => ({
                ref: c.ref,
                revision: c.revision,
                lifecycle: c.lifecycle,
                agency: c.ownerAgency,
                title: c.title,
              })),
            ),
          };
        }),
      );
    command
      .command('show')
      .description(`a ${what}'s latest revision (or --revision n)`)
      .argument('<ref>', 'name@major')
      .option('--revision <n>')
      .option('--json')
      .action(
        action<{ revision?: string; json?: boolean }>(async (o, ref) => {
          const at = ref.lastIndexOf('@');
          if (at < 1) throw new ApiCallFailed(`${ref}: name a ${what} as name@major`, 1);
          const base = `/v1/${path}/${encodeURIComponent(ref.slice(0, at))}/${encodeURIComponent(ref.slice(at + 1))}`;
          const data = await callApi<Json>(
            'GET',
            o.revision ? `${base}/revisions/${encodeURIComponent(o.revision)}` : base,
          );
          return { data, text: `${JSON.stringify(data, null, 2)}\n` };
        }),
      );
    return command;
  });

  const partner = new Command('partner').description('administrators: partners and their performance');
  partner
    .command('onboard')
    .description('onboard a partner from its profile')
    .requiredOption('-f, --file <profile>')
    .option('--json')
    .action(
      action<{ file: string; json?: boolean }>(async (o) => {
        const data = await callApi<Json>('POST', '/v1/partners', readDocument(o.file));
        return { data, text: `onboarded ${String(data.id)}\n${kafkaAccessText(data.kafka)}` };
      }),
    );
  partner
    .command('credentials')
    .description("a partner's Kafka credentials")
    .command('rotate')
    .description('issue a new Kafka password; the old one stops working at once')
    .argument('<partnerId>')
    .option('--json')
    .action(
      action<{ json?: boolean }>(async (_o, id) => {
        const data = await callApi<Json>('POST', `/v1/partners/${encodeURIComponent(id)}/credentials`);
        return { data, text: `new Kafka credentials for ${id}\n${kafkaAccessText(data.kafka)}` };
      }),
    );
  partner
    .command('suspend')
    .description('suspend a partner; its open tasks move to others')
    .argument('<partnerId>')
    .requiredOption('--reason <reason>')
    .option('--json')
    .action(
      action<{ reason: string; json?: boolean }>(async (o, id) => {
        const data = await callApi<{ moved: string[] }>('PATCH', `/v1/partners/${encodeURIComponent(id)}`, {
          status: 'suspended',
          reason: o.reason,
        });
        return { data, text: `suspended ${id}; ${data.moved.length} open task(s) moved to other partners\n` };
      }),
    );
  partner
    .command('scorecard')
    .description("a partner's scorecards")
    .argument('<partnerId>')
    .option('--json')
    .action(
      action<{ json?: boolean }>(async (_o, id) => {
        const data = await callApi<Json[]>('GET', `/v1/partners/${encodeURIComponent(id)}/scorecard`);
        return {
          data,
          text: table(
            data.map((c) => ({
              task: c.taskType,
              assigned: c.assigned,
              'on time': c.completedOnTime,
              late: c.late,
              invalid: c.rejectedInvalid,
              score: typeof c.score === 'number' ? c.score.toFixed(2) : '-',
            })),
          ),
        };
      }),
    );

  const keys = new Command('case-keys').description(
    'the keys that seal case data before it reaches Temporal (the keyring file the services of this machine use)',
  );
  keys
    .command('list')
    .description('the key ids and which one seals new case data (never the keys themselves)')
    .option('--json')
    .action(
      action<{ json?: boolean }>(() => {
        const file = loadCliConfig().caseKeysFile;
        const ring = loadCaseDataKeys({ file });
        const data = { file, active: ring.active, keys: ring.ids() };
        return Promise.resolve({
          data,
          text: `${file}\n${ring
            .ids()
            .map((id) => `  ${id}${id === ring.active ? '  (active: seals new data)' : ''}`)
            .join('\n')}\n`,
        });
      }),
    );
  keys
    .command('rotate')
    .description(
      'add a new key and make it the one that seals new data; older keys stay to read older histories. Restart the services to use it.',
    )
    .option('--json')
    .action(
      action<{ json?: boolean }>(() => {
        const file = loadCliConfig().caseKeysFile;
        const rotated = rotateCaseDataKey(file);
        return Promise.resolve({
          data: { file, ...rotated },
          text: `${file}: ${rotated.active} now seals new case data (${rotated.keys} keys); restart the API, worker and bridge to use it\n`,
        });
      }),
    );

  const erasure = new Command('erasure').description(
    "the right to erasure: a citizen's (or an officer's on their behalf) request, an auditor's decision",
  );
  erasure
    .command('request')
    .description("ask for a citizen's cases to be erased; a citizen for themselves, an officer names the citizen")
    .requiredOption('--reason <reason>', "why, in the citizen's words")
    .option('--citizen <subject>', 'for an officer: the citizen who asked')
    .option('--json')
    .action(
      action<{ reason: string; citizen?: string; json?: boolean }>(async (o) => {
        const data = await callApi<Json>('POST', '/v1/erasure-requests', {
          reason: o.reason,
          ...(o.citizen ? { citizen: o.citizen } : {}),
        });
        return { data, text: `filed: ${String(data.id)} (pending an auditor)\n` };
      }),
    );
  erasure
    .command('list')
    .description("erasure requests: an auditor's queue with --status pending")
    .addOption(new Option('--status <status>').choices(['pending', 'approved', 'refused']))
    .option('--json')
    .action(
      action<{ status?: string; json?: boolean }>(async (o) => {
        const data = await callApi<Json[]>('GET', `/v1/erasure-requests${o.status ? `?status=${o.status}` : ''}`);
        return {
          data,
          text: table(data.map((r) => ({ id: r.id, citizen: r.citizen, status: r.status, filed: r.filedAt }))),
        };
      }),
    );
  for (const decision of ['approve', 'refuse'] as const)
    erasure
      .command(decision)
      .description(
        decision === 'approve'
          ? "auditors: erase every closed case of the request's citizen now (again: retry what failed)"
          : 'auditors: refuse the request, with the legal ground',
      )
      .argument('<requestId>')
      .requiredOption(
        '--reason <reason>',
        decision === 'approve' ? 'the legal ground for erasing' : 'why the law keeps the data',
      )
      .option('--json')
      .action(
        action<{ reason: string; json?: boolean }>(async (o, id) => {
          const data = await callApi<Json & { outcomes?: Json[] }>(
            'POST',
            `/v1/erasure-requests/${encodeURIComponent(id)}/decision`,
            { decision, reason: o.reason },
          );
          return {
            data,
            text: `${id}: ${String(data.status)}\n${data.outcomes ? table(data.outcomes.map((c) => ({ case: c.caseId, outcome: c.outcome, why: c.reason ?? '' }))) : ''}`,
          };
        }),
      );

  const token = new Command('token').description('development tokens');
  token
    .command('mint')
    .description(
      "a bearer token from govmesh's development issuer (a key pair in the data folder); for a laptop only: a production API accepts only its OpenID Connect issuer's tokens",
    )
    .addOption(new Option('--role <role>').choices([...ROLES]).makeOptionMandatory())
    .requiredOption('--sub <id>', 'the agency, officer, partner or citizen id')
    .option('--officer-roles <roles>', 'comma-separated, for officers (e.g. licensing-officer,inspector)')
    .option('--agency <agency>', 'for administrators and officers: the agency they act for (e.g. market-regulation)')
    .option('--expires <duration>', 'e.g. 12h, 7d', '12h')
    .action(async function (this: Command) {
      const o = this.opts<{ role: Role; sub: string; officerRoles?: string; agency?: string; expires: string }>();
      const issuer = await DevelopmentIssuer.open(developmentIssuerKeyFile(loadCliConfig().dataDir));
      process.stderr.write(
        "govmesh: a token of the development issuer (a laptop only; a production API takes only its OpenID Connect issuer's tokens)\n",
      );
      process.stdout.write(
        `${await issuer.mint({ role: o.role, subject: o.sub, officerRoles: o.officerRoles?.split(',').filter(Boolean) ?? [], agency: o.agency }, o.expires)}\n`,
      );
    });
  return [service, agency, ...standards, kase, task, partner, keys, erasure, token];
}
