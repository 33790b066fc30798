import type { ServiceVersion } from './platform-store.js';

/**
 * The version a new case starts on: the latest active one; when none is active, the latest
 * deprecated one (deprecating the only version must not stop the service); none when all are retired.
 */
export function liveVersion(versions: readonly ServiceVersion[]): ServiceVersion | undefined {
  const latest = (status: ServiceVersion['status']) => versions.filter((v) => v.status === status).at(-1);
  return latest('active') ?? latest('deprecated');
}
