import { describe, expect, it } from 'vitest';

import { partnerOfResultTopic, resultTopic, taskTopic } from './topics.js';

describe('partner topics', () => {
  it('name each partner its own task and result topic', () => {
    expect(taskTopic('acme-checks')).toBe('govmesh.tasks.acme-checks');
    expect(resultTopic('acme-checks')).toBe('govmesh.results.acme-checks');
  });

  it('refuse a partner id that could reach into another topic', () => {
    expect(() => taskTopic('acme.checks')).toThrow(/lower-case letters, digits and inner dashes/);
    expect(() => resultTopic('Acme')).toThrow();
    expect(() => taskTopic('')).toThrow();
  });

  it('take the author of a result from the topic it came on', () => {
    expect(partnerOfResultTopic('govmesh.results.acme-checks')).toBe('acme-checks');
    expect(partnerOfResultTopic('govmesh.tasks.acme-checks')).toBeUndefined();
    expect(partnerOfResultTopic('govmesh.results.acme.checks')).toBeUndefined();
  });
});
