/**
 * UDP_RR's retransmission rules, read by both data paths: the JavaScript
 * client (udp-rr-client.ts) applies them per reply in JavaScript, the native
 * one hands them to its C loop (udp-rr.c) in state slots, which adapts the
 * timeout per reply with the same RFC 6298 rule (srtt + 4 * rttvar).
 */

/** The first timeout, before any round trip was measured (RFC 6298 says 1 s). */
const INITIAL_RTO_MS = 1000;
/** The timeout never goes under this, however fast the path. */
export const MIN_RTO_MS = 1;
/** The largest timeout the C loop takes (a day; udp-rr.c checks it): --timeout has no upper limit. */
export const MAX_RTO_LIMIT_MS = 86_400_000;
/** The first timeout: INITIAL_RTO_MS, or the largest when that is shorter (--timeout is 1 s at least, so only in tests). */
export function initialRtoMs(timeoutMs: number): number {
  return Math.min(INITIAL_RTO_MS, maxRtoMs(timeoutMs));
}

/** After stop, late replies are listened for at least this long, or four timeouts. */
const LATE_REPLY_WINDOW_MIN_MS = 50;

/** The timeout after a round trip of rttMs, within MIN_RTO_MS and the largest, maxRtoMs. */
export function nextRto(srttMs: number, rttvarMs: number, maxRtoMs: number): number {
  return Math.min(maxRtoMs, Math.max(MIN_RTO_MS, srttMs + 4 * rttvarMs));
}

/** The largest timeout: the peer timeout (--timeout), within what the C loop takes. */
export function maxRtoMs(timeoutMs: number): number {
  return Math.min(timeoutMs, MAX_RTO_LIMIT_MS);
}

/** After the last request is settled: a reply given up on may still arrive, and is late, not lost. */
export function lateReplyWindowMs(rtoMs: number): number {
  return Math.max(LATE_REPLY_WINDOW_MIN_MS, 4 * rtoMs);
}
