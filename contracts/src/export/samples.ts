import { schemaUrn } from '../cloud-event.js';
import { DEAD_LETTER } from '../dead-letter.js';
import { TASK_ASSIGNED, TASK_REJECTED, TASK_RESULT, TASK_REVOKED } from '../task-messages.js';

const common = (type: string, source: string, subject: string) =>
  ({
    specversion: '1.0',
    id: `sample-${type}`,
    source,
    type,
    subject,
    time: '2026-11-23T09:30:00Z',
    datacontenttype: 'application/json',
    dataschema: schemaUrn(type),
  }) as const;

/** One valid message of each kind on a partner's topics, for partners' own tests and the docs. */
export const SAMPLE_MESSAGES = {
  [TASK_ASSIGNED]: {
    ...common(TASK_ASSIGNED, '/govmesh/dispatch', 'case-2026-000123'),
    data: {
      taskId: 'case-2026-000123.background-check.1',
      caseId: 'case-2026-000123',
      stepId: 'background-check',
      taskType: 'background-check@1',
      attempt: 1,
      deadline: '2026-11-25T09:30:00Z',
      input: { applicant: { name: 'Ada Lovelace', dateOfBirth: '1985-12-10' } },
    },
  },
  [TASK_RESULT]: {
    ...common(TASK_RESULT, '/partners/acme-checks', 'case-2026-000123'),
    data: {
      taskId: 'case-2026-000123.background-check.1',
      attempt: 1,
      outcome: 'completed',
      output: { clear: true, findings: [] },
    },
  },
  [TASK_REVOKED]: {
    ...common(TASK_REVOKED, '/govmesh/dispatch', 'case-2026-000123'),
    data: {
      taskId: 'case-2026-000123.background-check.1',
      attempt: 1,
      code: 'TASK.DEADLINE_PASSED',
      reasons: ['the deadline 2026-11-25T09:30:00Z passed'],
    },
  },
  [TASK_REJECTED]: {
    ...common(TASK_REJECTED, '/govmesh/bridge', 'case-2026-000123'),
    data: {
      taskId: 'case-2026-000123.background-check.1',
      attempt: 1,
      code: 'CONTRACT.INVALID_OUTPUT',
      reasons: ['output.findings: Invalid input: expected array, received string'],
    },
  },
  [DEAD_LETTER]: {
    ...common(DEAD_LETTER, '/govmesh/bridge', 'govmesh.results.acme-checks'),
    data: {
      topic: 'govmesh.results.acme-checks',
      partition: 0,
      offset: '42',
      receivedAt: '2026-11-23T09:31:00Z',
      reasons: ['the message is not JSON: Unexpected token'],
      valueBase64: 'bm90IGpzb24=',
    },
  },
} as const;
