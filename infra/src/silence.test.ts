import { describe, expect, it } from 'vitest';

import { silences } from './silence.js';

describe('silences', () => {
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, pass: (ms: number) => (t += ms) };
  };

  it('says a silence once, when it reaches the limit, and again only after an answer', () => {
    const c = clock();
    const s = silences<string>({ silentAfterMs: 60_000, restartAfterMs: 300_000 }, c.now);
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
    const s = silences<string>({ silentAfterMs: 10_000, restartAfterMs: 60_000 }, c.now);
    c.pass(8_000);
    s.restart('kafka/2');
    c.pass(3_000);
    expect(s.overdue('kafka/1')).toBe(11);
    expect(s.overdue('kafka/2')).toBeUndefined();
  });

  it('forgets one that is gone, so a silence said before is not said to have ended', () => {
    const c = clock();
    const s = silences<string>({ silentAfterMs: 1_000, restartAfterMs: 5_000 }, c.now);
    c.pass(2_000);
    expect(s.overdue('web')).toBe(2);
    s.forget('web');
    s.restart('web');
    expect(s.answered('web')).toBeUndefined();
  });

  it('is due to be started again once per silence, past the longer limit, and says when that will be', () => {
    const c = clock();
    const s = silences<string>({ silentAfterMs: 60_000, restartAfterMs: 300_000 }, c.now);
    s.restart('worker');
    c.pass(299_000);
    expect(s.overdue('worker')).toBe(299);
    expect(s.restartDue('worker')).toBeUndefined();
    c.pass(2_000);
    expect(s.restartDue('worker')).toBe(301);
    c.pass(15_000);
    expect(s.restartDue('worker')).toBeUndefined(); // stopped already: its exit is awaited, not a second kill
    // Started again: a new silence, with its own restart.
    s.restart('worker');
    c.pass(300_000);
    expect(s.restartDue('worker')).toBe(300);
    // An answer ends a silence before its restart is due.
    s.answered('worker');
    c.pass(200_000);
    expect(s.answered('worker')).toBeUndefined();
    c.pass(300_000);
    expect(s.restartDue('worker')).toBe(300);
    expect(s.leftRunning(4242)).toBe(
      'It is left running, as it may only be busy, and started again if it is still silent after 300 s (`kill 4242` does that now)',
    );
    expect(s.leftRunning()).toBe(
      'It is left running, as it may only be busy, and started again if it is still silent after 300 s',
    );
  });
});
