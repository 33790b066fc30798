import { describe, expect, it } from 'vitest';

import { silences } from './silence.js';

describe('silences', () => {
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, pass: (ms: number) => (t += ms) };
  };

  it('says a silence once, when it reaches the limit, and again only after an answer', () => {
    const c = clock();
    const s = silences<string>(60_000, c.now);
    s.restart('worker');
    c.pass(59_000);
    expect(s.overdue('worker')).toBeUndefined();
    c.pass(14_000);
    expect(s.overdue('worker')).toBe(73);
    c.pass(15_000);
    expect(s.overdue('worker')).toBeUndefined();
    expect(s.silentFor('worker')).toBe(88_000);
    c.pass(13_000);
    expect(s.answered('worker')).toBe('answers again, after 101 s without an answer');
    c.pass(30_000);
    expect(s.overdue('worker')).toBeUndefined();
    expect(s.silentFor('worker')).toBe(30_000);
    expect(s.answered('worker')).toBeUndefined();
  });

  it('counts one never heard from when it was made, and one started again from its start', () => {
    const c = clock();
    const s = silences<string>(10_000, c.now);
    c.pass(8_000);
    s.restart('kafka/2');
    c.pass(3_000);
    expect(s.overdue('kafka/1')).toBe(11);
    expect(s.overdue('kafka/2')).toBeUndefined();
  });

  it('forgets one that is gone, so a silence said before is not said to have ended', () => {
    const c = clock();
    const s = silences<string>(1_000, c.now);
    c.pass(2_000);
    expect(s.overdue('web')).toBe(2);
    s.forget('web');
    s.restart('web');
    expect(s.answered('web')).toBeUndefined();
  });
});
