/**
 * `work` for many callers: each caller gets the result of a run that began after its call, and the
 * callers who ask while a run is under way share the one run after it. Concurrent callers of a
 * whole-ledger read therefore cost at most two reads, not one each, and none gets an answer read
 * before it asked.
 */
export function sharedRuns<T>(work: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  let queued: Promise<T> | undefined;
  return () => {
    if (queued) return queued;
    const next = (running ?? Promise.resolve())
      .catch(() => undefined) // the run before failed for its own callers; this one tries again
      .then(() => {
        queued = undefined;
        const run = work().finally(() => {
          if (running === run) running = undefined;
        });
        running = run;
        return run;
      });
    queued = next;
    return next;
  };
}
