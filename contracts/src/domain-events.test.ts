import { describe, expect, it } from 'vitest';

import { DOMAIN_EVENTS, EVENT_SOURCES, allowedSourceOf, ratingClosesAt, ratingExpectedUntil } from './domain-events.js';

describe('who may emit a domain event', () => {
  it('gives each kind one author: the worker for the case, the bridge for refused results, the API for ratings', () => {
    expect(allowedSourceOf(DOMAIN_EVENTS.taskDispatched.type)).toBe(EVENT_SOURCES.worker);
    expect(allowedSourceOf(DOMAIN_EVENTS.caseCompleted.type)).toBe(EVENT_SOURCES.worker);
    expect(allowedSourceOf(DOMAIN_EVENTS.resultRejected.type)).toBe(EVENT_SOURCES.bridge);
    expect(allowedSourceOf(DOMAIN_EVENTS.satisfactionRated.type)).toBe(EVENT_SOURCES.api);
    expect(allowedSourceOf('gov.govmesh.invented.v1')).toBeUndefined();
  });
});

describe('the rating window', () => {
  it('closes 30 days after the case ended, and the audit expects a rating a day longer', () => {
    const ended = new Date('2026-03-01T10:00:00.000Z');
    expect(ratingClosesAt(ended).toISOString()).toBe('2026-03-31T10:00:00.000Z');
    expect(new Date(ratingExpectedUntil(ended.getTime())).toISOString()).toBe('2026-04-01T10:00:00.000Z');
  });
});
