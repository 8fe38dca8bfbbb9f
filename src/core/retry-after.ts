/**
 * A `Retry-After` header as milliseconds from `nowMs`: delay-seconds or an HTTP date (RFC 9110 §10.2.3);
 * undefined when it is neither. Gcore and Slack send it alike, and both clients read it here.
 */
export function retryAfterMs(header: string, nowMs: number): number | undefined {
  const seconds = Number(header);
  if (header.trim() !== '' && Number.isFinite(seconds)) {
    return Math.max(seconds * 1000, 0);
  }
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(at - nowMs, 0);
}
