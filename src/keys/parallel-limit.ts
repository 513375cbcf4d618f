/**
 * `max_parallel_requests` of a key, counted on this replica (each replica enforces the limit for the calls it
 * serves; behind a load balancer of N replicas a key can reach up to N times the limit).
 */
export class ParallelRequestLimiter {
  private readonly inFlight = new Map<string, number>();

  /** A release function, or undefined when the key is at its limit. */
  tryAcquire(token: string, limit: number): (() => void) | undefined {
    const current = this.inFlight.get(token) ?? 0;
    if (current >= limit) return undefined;
    this.inFlight.set(token, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(token) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(token);
      else this.inFlight.set(token, left);
    };
  }
}
