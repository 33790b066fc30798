import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ScenarioBook, crewFiles, crewOnDutyElsewhere, declareCrewOnDuty } from './scenario-book.js';

describe("the demo crew's scenario book", () => {
  it("tells a crew the scenario of a case another process submitted, and a plain case's none", () => {
    const { book: file } = crewFiles(mkdtempSync(join(tmpdir(), 'govmesh-demo-book-')));
    const crews = ScenarioBook.fresh(file);
    const batch = new ScenarioBook(file);
    expect(crews.get('business-licence-1')).toBeUndefined();
    batch.set('business-licence-1', 'fallback').set('business-licence-2', 'review-rework');
    // A line still being written is not read until it is whole.
    appendFileSync(file, 'business-licence-3\tre');
    expect(crews.get('business-licence-2')).toBe('review-rework');
    expect(crews.get('business-licence-1')).toBe('fallback');
    expect(crews.get('business-licence-3')).toBeUndefined();
    appendFileSync(file, 'assigned\n');
    expect(crews.get('business-licence-3')).toBe('reassigned');
    expect(crews.get('someone-by-hand')).toBeUndefined();
    // A crew that starts afresh does not play an earlier run's cases.
    expect(ScenarioBook.fresh(file).get('business-licence-1')).toBeUndefined();
  });

  it('says a crew is on duty only while its process lives', async () => {
    const { onDuty } = crewFiles(mkdtempSync(join(tmpdir(), 'govmesh-demo-duty-')), 'e2e1');
    expect(crewOnDutyElsewhere(onDuty)).toBeUndefined();
    // This process's own crew is not "elsewhere".
    const offDuty = declareCrewOnDuty(onDuty);
    expect(crewOnDutyElsewhere(onDuty)).toBeUndefined();
    // Another process that declared its crew, as `govmesh up --demo` does.
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000) // demo-crew-on-duty'], {
      stdio: 'ignore',
    });
    await new Promise((resolve) => other.once('spawn', resolve));
    writeFileSync(onDuty, JSON.stringify({ pid: other.pid, marker: 'demo-crew-on-duty' }));
    expect(crewOnDutyElsewhere(onDuty)).toBe(other.pid);
    offDuty(); // this process's crew going off duty leaves the other's record alone
    expect(crewOnDutyElsewhere(onDuty)).toBe(other.pid);
    other.kill('SIGKILL');
    await new Promise((resolve) => other.once('exit', resolve));
    expect(crewOnDutyElsewhere(onDuty)).toBeUndefined();
  });
});
