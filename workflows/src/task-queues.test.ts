import { describe, expect, it } from 'vitest';

import { agencyTaskQueue } from './task-queues.js';

describe('agency task queues', () => {
  it('give every agency a queue of its own', () => {
    expect(agencyTaskQueue('public-security')).toBe('govmesh-agency-public-security');
    expect(agencyTaskQueue('tax')).not.toBe(agencyTaskQueue('market-regulation'));
  });

  it('refuse an agency name that is not a plain identifier', () => {
    expect(() => agencyTaskQueue('Public Security')).toThrow(/lower-case letters, digits and dashes/);
  });
});
