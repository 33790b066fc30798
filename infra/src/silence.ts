/**
 * Who has gone quiet, among things asked in turn whether they answer (engines under the watch,
 * services under the supervisor): each is counted from its last answer, said silent once when
 * that is `silentAfterMs` ago, due to be started again once when it is `restartAfterMs` ago, and
 * said again when it answers. It is the one owner of that convention and its wording, so a
 * terminal reads the same for an engine and for a service.
 */
export interface Silences<K> {
  /** Counts `key` from now, as if it had just answered, without saying anything (a fresh start). */
  restart(key: K): void;
  /**
   * Records an answer from `key`. When its silence had been said, returns the line that says it
   * answers again (how long it went without an answer); otherwise undefined.
   */
  answered(key: K): string | undefined;
  /**
   * When `key` has been silent for `silentAfterMs` and that was not yet said, marks it said and
   * returns the seconds it has gone without an answer; otherwise undefined. A key never heard is
   * counted from when the tracker was made.
   */
  overdue(key: K): number | undefined;
  /**
   * When `key` has been silent for `restartAfterMs` and that was not yet returned, marks it and
   * returns the seconds it has gone without an answer: the caller stops it, to be started again.
   * Returned once per silence (an answer or a `restart` begins another).
   */
  restartDue(key: K): number | undefined;
  /**
   * What the first line about a silence goes on to say: that the silent one is left running
   * (`pid` when known, for whoever wants to stop it sooner) and when it will be started again.
   */
  leftRunning(pid?: number): string;
  /** How long (ms) `key` has gone without an answer. */
  silentFor(key: K): number;
  /** Stops counting `key` (it is gone, and a new start calls `restart`). */
  forget(key: K): void;
}

export interface SilenceLimits {
  /** Silent this long (ms): said, once, and left running, as it may only be busy. */
  readonly silentAfterMs: number;
  /** Silent this long (ms): longer than any of its work takes, so it is stopped and started again. */
  readonly restartAfterMs: number;
}

export function silences<K>(
  { silentAfterMs, restartAfterMs }: SilenceLimits,
  now: () => number = Date.now,
): Silences<K> {
  const since = now();
  const heard = new Map<K, { at: number; said: boolean; restartDue: boolean }>();
  const of = (key: K) => heard.get(key) ?? { at: since, said: false, restartDue: false };
  const seconds = (ms: number): number => Math.round(ms / 1000);
  /** Once per silence: when `key` has been silent `limitMs` and `step` was not yet taken, takes it. */
  const onceSilent = (key: K, step: 'said' | 'restartDue', limitMs: number): number | undefined => {
    const last = of(key);
    heard.set(key, last);
    if (last[step] || now() - last.at < limitMs) return undefined;
    last[step] = true;
    return seconds(now() - last.at);
  };
  return {
    restart(key) {
      heard.set(key, { at: now(), said: false, restartDue: false });
    },
    answered(key) {
      const { at, said } = of(key);
      heard.set(key, { at: now(), said: false, restartDue: false });
      return said ? `answers again, after ${seconds(now() - at)} s without an answer` : undefined;
    },
    restartDue(key) {
      return onceSilent(key, 'restartDue', restartAfterMs);
    },
    leftRunning(pid) {
      return (
        `It is left running, as it may only be busy, and started again if it is still silent after ${seconds(restartAfterMs)} s` +
        (pid === undefined ? '' : ` (\`kill ${pid}\` does that now)`)
      );
    },
    overdue(key) {
      return onceSilent(key, 'said', silentAfterMs);
    },
    silentFor(key) {
      return now() - of(key).at;
    },
    forget(key) {
      heard.delete(key);
    },
  };
}
