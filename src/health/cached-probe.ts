import { within } from "../sync/within.js";
import type { HealthProbe } from "./ports.js";

/** Whether the dependency answered; readiness reads this instead of calling the database itself. */
export type CachedCheck = () => Promise<boolean>;

export interface CachedProbeOptions {
  /** How long one answer stands. */
  ttlMs: number;
  /** A probe that has not answered by then counts as a failure (and frees the slot for the next one). */
  timeoutMs: number;
}

/**
 * Readiness is open to anyone and polled by every load balancer: it must not cost a database round trip per call.
 * One probe runs at a time and everyone asking meanwhile shares its answer; the answer, failure included, stands
 * for ttlMs, so a flood of readiness calls reaches the database about once a second whatever its rate.
 */
export function cachedProbe(probe: HealthProbe, options: CachedProbeOptions): CachedCheck {
  let answer = false;
  let answeredAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<boolean> | undefined;

  const run = async (): Promise<boolean> =>
    (await within(
      probe.ping().then(() => true),
      options.timeoutMs,
    )) ?? false;

  return () => {
    if (performance.now() - answeredAt < options.ttlMs) return Promise.resolve(answer);
    inFlight ??= run().then((ok) => {
      answer = ok;
      answeredAt = performance.now();
      inFlight = undefined;
      return ok;
    });
    return inFlight;
  };
}
