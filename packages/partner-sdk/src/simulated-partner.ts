import { createPartner, type Partner, type PartnerOptions, type TaskHandler } from './partner.js';

/** How a simulated partner behaves; rates are probabilities from 0 to 1. */
export interface SimulatedBehaviour {
  /** Latency drawn uniformly between min and max milliseconds. */
  readonly latencyMs?: { readonly min: number; readonly max: number };
  /** Answers `failed`. */
  readonly failureRate?: number;
  /** Answers with an output that breaks the contract. */
  readonly invalidOutputRate?: number;
  /** Never answers (until revoked). */
  readonly noShowRate?: number;
  /** For repeatable runs; Math.random by default. */
  readonly random?: () => number;
}

const today = (): string => new Date().toISOString().slice(0, 10);

/** A plausible, contract-valid output for each task type the demo catalogue uses. */
export const SAMPLE_OUTPUTS: Readonly<Record<string, (input: Record<string, unknown>) => Record<string, unknown>>> = {
  'identity-verification@1': () => ({ verified: true, method: 'document-check' }),
  'background-check@1': () => ({ clear: true, findings: [] }),
  'background-check@2': () => ({ clear: true, findings: [] }),
  'site-inspection@1': () => ({ passed: true, inspectedOn: today(), defects: [] }),
  'certificate-delivery@1': () => ({ trackingNumber: `TRK-${Math.floor(Math.random() * 1e9)}`, deliveredOn: today() }),
  'fee-collection@1': () => ({ paid: true, receiptId: `RCPT-${Math.floor(Math.random() * 1e9)}` }),
  'document-translation@1': (input) => ({
    translatedDocumentRef: `${String(input.documentRef)}-translated`,
    certifiedBy: 'sworn-translator-17',
  }),
  'income-verification@1': (input) => ({
    confirmed: true,
    verifiedMonthlyNet: Number((input.income as { monthlyNet?: number } | undefined)?.monthlyNet ?? 0),
  }),
  'home-visit@1': () => ({ visitedOn: today(), needConfirmed: true }),
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new Error('revoked'));
      },
      { once: true },
    );
  });
}

/** A partner for tests, the demo and the benchmarks, built on the partner SDK. */
export function createSimulatedPartner(
  options: Omit<PartnerOptions, 'handlers'> & {
    readonly capabilities: readonly string[];
    readonly behaviour?: SimulatedBehaviour;
  },
): Partner {
  const b = options.behaviour ?? {};
  const random = b.random ?? Math.random;
  const handler =
    (taskType: string): TaskHandler =>
    async (input, { signal }) => {
      const min = b.latencyMs?.min ?? 0;
      const max = b.latencyMs?.max ?? min;
      const roll = random();
      if (roll < (b.noShowRate ?? 0)) {
        await new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('revoked')), { once: true }),
        );
      }
      await sleep(min + random() * (max - min), signal);
      if (random() < (b.failureRate ?? 0)) throw new Error('simulated failure');
      if (random() < (b.invalidOutputRate ?? 0)) return { unexpected: 'this output breaks the contract' };
      const sample = SAMPLE_OUTPUTS[taskType];
      if (!sample) throw new Error(`no simulated output for ${taskType}`);
      return sample(input);
    };
  return createPartner({ ...options, handlers: Object.fromEntries(options.capabilities.map((t) => [t, handler(t)])) });
}
