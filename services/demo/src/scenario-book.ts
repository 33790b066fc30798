import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { claimHolder, declareClaim } from './run-claims.js';
import { SCENARIOS, type Scenario } from './scenarios.js';

/**
 * Which scenario each demo case plays, kept in a file of the data folder so that the demo crew of
 * one process can act out the cases another submitted: `govmesh demo` beside a `govmesh up --demo`
 * whose crew is on duty submits the cases, and that crew plays them. (Two crews playing the same
 * partners would split the tasks between them, and the one that did not submit a case would not
 * know its scenario.)
 */
export class ScenarioBook {
  private readonly known = new Map<string, Scenario>();
  private readBytes = 0;

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
  }

  /** A new book for a crew that starts: the cases of an earlier run are not this one's. */
  static fresh(file: string): ScenarioBook {
    rmSync(file, { force: true });
    return new ScenarioBook(file);
  }

  set(caseId: string, scenario: Scenario): this {
    this.known.set(caseId, scenario);
    appendFileSync(this.file, `${caseId}\t${scenario}\n`);
    return this;
  }

  /** The case's scenario, or undefined for a plain case (one somebody submitted by hand). */
  get(caseId: string): Scenario | undefined {
    if (!this.known.has(caseId)) this.readNew();
    return this.known.get(caseId);
  }

  /** Reads the lines appended since the last read (only whole ones: a writer may be mid-line). */
  private readNew(): void {
    if (!existsSync(this.file)) return;
    const fd = openSync(this.file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < this.readBytes) this.readBytes = 0; // started afresh by a new crew
      if (size === this.readBytes) return;
      const bytes = Buffer.alloc(size - this.readBytes);
      readSync(fd, bytes, 0, bytes.length, this.readBytes);
      const end = bytes.lastIndexOf(0x0a);
      if (end < 0) return;
      for (const line of bytes.subarray(0, end).toString('utf8').split('\n')) {
        const [caseId, scenario] = line.split('\t');
        if (caseId && (SCENARIOS as readonly string[]).includes(scenario ?? ''))
          this.known.set(caseId, scenario as Scenario);
      }
      this.readBytes += end + 1;
    } finally {
      closeSync(fd);
    }
  }
}

/** The files one crew's run keeps in the data folder (one set per partner suffix). */
export function crewFiles(dataDir: string, partnerSuffix = ''): { book: string; onDuty: string } {
  const name = partnerSuffix ? `demo-crew-${partnerSuffix}` : 'demo-crew';
  return { book: join(dataDir, 'run', `${name}-scenarios.tsv`), onDuty: join(dataDir, 'run', `${name}.json`) };
}

/** The pid of another process whose demo crew is on duty, if one is. */
export function crewOnDutyElsewhere(file: string): number | undefined {
  return claimHolder(file)?.pid;
}

/** Says that this process's crew is on duty; the returned function takes it back. */
export function declareCrewOnDuty(file: string): () => void {
  return declareClaim(file, {});
}
