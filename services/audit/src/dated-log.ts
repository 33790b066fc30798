/**
 * An append-only log of dated entries, each a small kind and a number, in typed arrays: 17 bytes an
 * entry where an object in an array takes about 60, so that a read model can keep every counted
 * event of a long-used ledger and still answer a query over any window by one pass over memory.
 */
export class DatedLog {
  private times = new Float64Array(16);
  private kinds = new Uint8Array(16);
  private values = new Float64Array(16);
  private size = 0;

  push(time: number, kind: number, value = 0): void {
    if (this.size === this.times.length) this.grow();
    this.times[this.size] = time;
    this.kinds[this.size] = kind;
    this.values[this.size] = value;
    this.size += 1;
  }

  /** Calls `visit` for each entry dated in [from, to), in the order they were pushed. */
  forEachIn(from: number, to: number, visit: (kind: number, value: number) => void): void {
    const { times, kinds, values } = this;
    for (let i = 0; i < this.size; i += 1) {
      const time = times[i]!;
      if (time >= from && time < to) visit(kinds[i]!, values[i]!);
    }
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    const times = new Float64Array(capacity);
    const kinds = new Uint8Array(capacity);
    const values = new Float64Array(capacity);
    times.set(this.times);
    kinds.set(this.kinds);
    values.set(this.values);
    this.times = times;
    this.kinds = kinds;
    this.values = values;
  }

  /** The entries in chunks of at most `size`, each as three typed arrays' bytes (for a snapshot). */
  *chunks(size: number): Generator<{ times: Buffer; kinds: Buffer; values: Buffer }> {
    for (let at = 0; at < this.size; at += size) {
      const end = Math.min(this.size, at + size);
      yield {
        times: Buffer.from(this.times.buffer, at * 8, (end - at) * 8),
        kinds: Buffer.from(this.kinds.buffer, at, end - at),
        values: Buffer.from(this.values.buffer, at * 8, (end - at) * 8),
      };
    }
  }

  /** Appends a chunk `chunks` gave, in order. */
  appendChunk(chunk: { times: Buffer; kinds: Buffer; values: Buffer }): void {
    const n = chunk.kinds.length;
    if (chunk.times.length !== n * 8 || chunk.values.length !== n * 8)
      throw new Error('a dated log chunk of uneven length');
    while (this.size + n > this.times.length) this.grow();
    // Copied byte by byte into the arrays' own buffers: a decoded Buffer need not be 8-byte aligned.
    new Uint8Array(this.times.buffer).set(chunk.times, this.size * 8);
    this.kinds.set(chunk.kinds, this.size);
    new Uint8Array(this.values.buffer).set(chunk.values, this.size * 8);
    this.size += n;
  }
}
