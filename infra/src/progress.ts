import type { ToolName } from './errors.js';

/** What infra tells its caller while it works; the CLI prints it, the test harness logs it. */
export interface ProgressEvent {
  readonly engine: ToolName;
  readonly message: string;
  /** Milliseconds since the step began, for steps that take long. */
  readonly elapsedMs?: number;
}

export type Progress = (event: ProgressEvent) => void;

export const silentProgress: Progress = () => undefined;

/**
 * Runs a long step and reports it at the start, every `everyMs` while it runs, and at the end,
 * so a first run that downloads and builds for minutes is never silent.
 */
export async function withHeartbeat<T>(
  progress: Progress,
  engine: ToolName,
  label: string,
  step: () => Promise<T>,
  everyMs = 15_000,
): Promise<T> {
  const started = Date.now();
  progress({ engine, message: `${label}…` });
  const timer = setInterval(
    () => progress({ engine, message: `${label}: still working`, elapsedMs: Date.now() - started }),
    everyMs,
  );
  timer.unref();
  try {
    const result = await step();
    progress({ engine, message: `${label}: done`, elapsedMs: Date.now() - started });
    return result;
  } finally {
    clearInterval(timer);
  }
}
