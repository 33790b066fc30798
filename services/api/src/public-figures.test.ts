import { describe, expect, it } from 'vitest';

import { publicFigures } from './public-figures.js';

const figures = {
  serviceId: 'well-permit',
  received: 40,
  completed: 37,
  failed: 3,
  withinStatutoryDeadline: 0.95,
  statutoryBreaches: 2,
  medianProcessingMs: 86_400_000,
  satisfaction: { ratings: 4, average: 2.5 },
};

describe('the public figures', () => {
  it('withholds a count from 1 to the threshold, and what is computed from so few cases', () => {
    expect(publicFigures(figures, 5)).toEqual({
      serviceId: 'well-permit',
      received: 40,
      completed: 37,
      // three failed cases in a small place could name the applicants
      failed: null,
      withinStatutoryDeadline: 0.95,
      // two late cases are as identifying as two failed ones
      statutoryBreaches: null,
      medianProcessingMs: 86_400_000,
      satisfaction: { ratings: null, average: null },
      suppressedBelow: 5,
    });
  });

  it('publishes zero, which points at no one, and withholds rates of a service with few completed cases', () => {
    const small = publicFigures({ ...figures, received: 2, completed: 0, failed: 0 }, 5);
    expect(small).toMatchObject({
      received: null,
      completed: 0,
      failed: 0,
      withinStatutoryDeadline: null,
      medianProcessingMs: null,
    });
  });

  it('publishes everything with a threshold of 1', () => {
    expect(publicFigures(figures, 1)).toMatchObject({ failed: 3, satisfaction: { ratings: 4, average: 2.5 } });
  });
});
