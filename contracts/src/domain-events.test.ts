import { describe, expect, it } from 'vitest';

import { DOMAIN_EVENTS, EVENT_SOURCES, allowedSourceOf } from './domain-events.js';

describe('who may emit a domain event', () => {
  it('gives each kind one author: the worker for the case, the bridge for refused results, the API for ratings', () => {
    expect(allowedSourceOf(DOMAIN_EVENTS.taskDispatched.type)).toBe(EVENT_SOURCES.worker);
    expect(allowedSourceOf(DOMAIN_EVENTS.caseCompleted.type)).toBe(EVENT_SOURCES.worker);
    expect(allowedSourceOf(DOMAIN_EVENTS.resultRejected.type)).toBe(EVENT_SOURCES.bridge);
    expect(allowedSourceOf(DOMAIN_EVENTS.satisfactionRated.type)).toBe(EVENT_SOURCES.api);
    expect(allowedSourceOf('gov.govmesh.invented.v1')).toBeUndefined();
  });
});
