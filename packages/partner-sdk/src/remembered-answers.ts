import type { TaskResultData } from '@govmesh/contracts/task-messages';

/** How many answers a partner keeps, and in how many bytes of JSON at most (the oldest go first). */
export const REMEMBERED_ANSWERS = 10_000;
export const REMEMBERED_ANSWER_BYTES = 32 * 1024 * 1024;

/**
 * The answers a partner sent lately, by task and attempt, so that a copy of a task it already
 * answered is answered again with the same result instead of being done twice or ignored. Ignoring
 * it is not safe: the copy can come from a dispatch that ran again because the server lost the
 * workflow task of the first one, and then the case refused the first answer (`TASK.UNKNOWN`).
 * Bounded by count and by size; an answer forgotten (or too large to keep) is simply done again.
 */
export class RememberedAnswers {
  // Insertion-ordered: the oldest answer is forgotten first.
  private readonly answers = new Map<string, { result: TaskResultData; bytes: number }>();
  private bytes = 0;

  constructor(
    private readonly maxAnswers = REMEMBERED_ANSWERS,
    private readonly maxBytes = REMEMBERED_ANSWER_BYTES,
  ) {}

  get(key: string): TaskResultData | undefined {
    return this.answers.get(key)?.result;
  }

  remember(key: string, result: TaskResultData): void {
    this.forget(key);
    const bytes = Buffer.byteLength(JSON.stringify(result));
    if (bytes > this.maxBytes) return;
    this.answers.set(key, { result, bytes });
    this.bytes += bytes;
    for (const oldest of this.answers.keys()) {
      if (this.answers.size <= this.maxAnswers && this.bytes <= this.maxBytes) break;
      this.forget(oldest);
    }
  }

  get size(): number {
    return this.answers.size;
  }

  private forget(key: string): void {
    const kept = this.answers.get(key);
    if (!kept) return;
    this.answers.delete(key);
    this.bytes -= kept.bytes;
  }
}
