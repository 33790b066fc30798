import { describe, expect, it } from 'vitest';

import { nextPageLink, nextPageTokenOf } from './api-paging.js';

describe('the next page link', () => {
  it('carries any token there and back, and a last page has none', () => {
    const token = 'eyJkdWVBdCI6IjIwMjYifQ_-+/=&?';
    const link = nextPageLink('/v1/tasks', 50, token);
    expect(link).toBe(`</v1/tasks?pageSize=50&pageToken=${encodeURIComponent(token)}>; rel="next"`);
    expect(nextPageTokenOf(link)).toBe(token);
    expect(nextPageTokenOf(null)).toBeUndefined();
    expect(nextPageTokenOf('</v1/tasks?pageSize=50>; rel="prev"')).toBeUndefined();
  });
});
