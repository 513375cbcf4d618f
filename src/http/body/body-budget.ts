/**
 * The bytes of request bodies this replica holds in memory at once, across every request being read. A body that
 * would pass the budget is refused (503, try again) rather than buffered: memory stays bounded however many large
 * bodies arrive together. One instance per replica, made by createApp.
 */
export class BodyBudget {
  private used = 0;

  constructor(readonly limitBytes: number) {}

  /** Takes `bytes` from the budget; false (nothing taken) when that would pass the limit. */
  tryReserve(bytes: number): boolean {
    if (this.used + bytes > this.limitBytes) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used -= bytes;
  }

  /** Bytes reserved right now (tests and metrics). */
  inUse(): number {
    return this.used;
  }
}
