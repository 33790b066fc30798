import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { infraDown, loadInfraConfig, startPlaintextKafkaForComparison } from '@govmesh/infra';
import { createKafka } from '@govmesh/messaging';

import type { BenchPlatform } from './bench-platform.js';
import { kafkaPingPong } from './floors.js';
import type { Latency } from './stats.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      })
      .on('error', reject);
  });
}

export interface SaslCost {
  readonly inFlight: number;
  readonly sasl: Latency;
  readonly plaintext: Latency;
}

/**
 * What SASL/SCRAM costs, in one run: the same raw ping-pong against the secured broker the bench
 * uses and against a plaintext broker of the same build started beside it (its own data folder and
 * ports), one after the other at each level. SCRAM signs a connection in once; the messages after
 * that travel as they would without it, so the figure should be close to 1.
 */
export async function saslCost(
  p: BenchPlatform,
  levels: ReadonlyArray<{ inFlight: number; samples: number }>,
): Promise<SaslCost[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'govmesh-bench-plain-kafka-'));
  // The bench's own environment (read once, by its infra config), with a data folder and ports of its own.
  const config = loadInfraConfig({
    ...p.infraConfig.processEnv,
    KAFKA_BROKERS: undefined,
    GOVMESH_DATA_DIR: dataDir,
    GOVMESH_KAFKA_PORT: String(await freePort()),
    GOVMESH_KAFKA_CONTROLLER_PORT: String(await freePort()),
  });
  try {
    await startPlaintextKafkaForComparison(config);
    const plain = {
      ...p,
      run: `${p.run}-plain`,
      kafka: createKafka({ clientId: `bench-plain-${p.run}`, brokers: config.kafka.brokers, logger: p.logger }),
    };
    const secured = { ...p, run: `${p.run}-sasl` };
    // The plaintext broker's JVM is cold; ours has run the whole bench. Warm it first, or the
    // comparison measures the JIT and not SASL (a first try had plaintext at a third of SASL).
    const warmUp = levels.at(-1)!;
    await kafkaPingPong({ ...plain, run: `${plain.run}-warm` }, warmUp.inFlight, warmUp.samples * 2);
    const out: SaslCost[] = [];
    for (const { inFlight, samples } of levels) {
      // Two rounds each, alternating, so a slow moment of the machine falls on both; the faster round counts.
      const [sasl, plaintext]: [Latency[], Latency[]] = [[], []];
      for (let round = 0; round < 2; round += 1) {
        plaintext.push(await kafkaPingPong({ ...plain, run: `${plain.run}-${round}` }, inFlight, samples));
        sasl.push(await kafkaPingPong({ ...secured, run: `${secured.run}-${round}` }, inFlight, samples));
      }
      const best = (rounds: Latency[]) => rounds.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
      out.push({ inFlight, sasl: best(sasl), plaintext: best(plaintext) });
    }
    return out;
  } finally {
    await infraDown(config, undefined, ['kafka']);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
