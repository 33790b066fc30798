/** Collects what a partner hears, and lets a test wait for it. */
export class Inbox<T> {
  readonly items: T[] = [];
  private waiters: Array<{ match: (t: T) => boolean; resolve: (t: T) => void }> = [];
  push = (item: T): void => {
    this.items.push(item);
    this.waiters = this.waiters.filter((w) => (w.match(item) ? (w.resolve(item), false) : true));
  };
  next(match: (t: T) => boolean, timeoutMs = 20_000): Promise<T> {
    const found = this.items.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('nothing arrived in time')), timeoutMs);
      this.waiters.push({ match, resolve: (t) => (clearTimeout(timer), resolve(t)) });
    });
  }
}
