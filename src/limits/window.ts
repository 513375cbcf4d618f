/**
 * The counting both stores share: a minute of history in one-second buckets, so a count covers the current second
 * and the 59 before it. Calls that are refused are not counted.
 */
export const WINDOW_MS = 60_000;
export const BUCKET_MS = 1_000;
export const BUCKETS = WINDOW_MS / BUCKET_MS;

/** How long a lease on a parallel slot lives without renewal: a killed replica's slots come back after this. */
export const LEASE_TTL_MS = 30_000;
/** How often a replica renews the leases it holds (and says it is alive). */
export const LEASE_RENEW_MS = 5_000;

/** Whether a counter with `used` taken so far has room for this call. */
export function hasRoom(kind: "requests" | "tokens" | "parallel", used: number, limit: number): boolean {
  // Tokens are known only after the reply: a call is let in while the window has not reached the limit.
  return kind === "tokens" ? used < limit : used + 1 <= limit;
}
