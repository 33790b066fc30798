/**
 * When a refused request may be asked again, as the `Retry-After` header says it (RFC 9110
 * §10.2.3): every govmesh service that passes a "not yet" on reads it here, so they agree on what
 * counts as an answer.
 */

const IMF_FIXDATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * The whole seconds a `Retry-After` value asks the caller to wait: a number of seconds, or an
 * HTTP date (counted from `now`, at least 1 s); undefined when there is none or it is not one of these.
 */
export function retryAfterSecondsOf(value: string | null | undefined, now: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    return seconds > 0 && Number.isSafeInteger(seconds) ? seconds : undefined;
  }
  // Only the date form HTTP sends (IMF-fixdate): Date.parse alone takes '-3' for a year.
  const at = IMF_FIXDATE.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(1, Math.ceil((at - now) / 1000));
}
