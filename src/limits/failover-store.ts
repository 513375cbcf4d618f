import type { Logger } from "../logging/logger.js";
import { LocalLimitStore } from "./local-store.js";
import type { AdmitRequest, AdmitResult, LimitStatus, LimitStore, SharedLimitStore, Settlement } from "./ports.js";

/** Which store admitted a call, so that it is settled where it was counted. */
export interface Counted {
  store?: LimitStore;
}

/**
 * Shared counting while Redis answers; each replica counting alone while it does not. Alone, a replica enforces
 * its share of each limit: the limit divided by the replicas seen sharing Redis before it went away (rounded up,
 * at least 1), so the cluster as a whole stays near the limit. One log line on each transition, never a 500.
 */
export class FailoverLimitStore {
  private readonly local = new LocalLimitStore();
  private shared = true;

  constructor(
    private readonly cluster: SharedLimitStore | undefined,
    private readonly logger: Logger,
  ) {}

  async admit(request: AdmitRequest, counted: Counted): Promise<AdmitResult> {
    const cluster = this.cluster;
    if (cluster?.available()) {
      try {
        const result = await cluster.admit(request);
        this.transition(true);
        counted.store = cluster;
        return result;
      } catch (error) {
        this.transition(false, error);
      }
    } else if (cluster) this.transition(false);
    counted.store = this.local;
    return this.local.admit(cluster ? this.share(request) : request);
  }

  /** Fire and forget: a failed settlement only leaves a lease to expire and tokens uncounted. */
  settle(settlement: Settlement, counted: Counted): void {
    counted.store?.settle(settlement).catch((error: unknown) => this.transition(false, error));
  }

  status(): LimitStatus {
    // Read from the connection too: without traffic no transition is seen, and readiness should still tell.
    return { shared: this.cluster === undefined || (this.shared && this.cluster.available()) };
  }

  private share(request: AdmitRequest): AdmitRequest {
    // The count last seen in Redis: a replica that never reached Redis enforces the full limit.
    const replicas = this.cluster?.replicasSeen() ?? 1;
    if (replicas <= 1) return request;
    const checks = request.checks.map((check) => ({ ...check, limit: Math.ceil(check.limit / replicas) }));
    return { ...request, checks };
  }

  private transition(shared: boolean, error?: unknown): void {
    if (shared === this.shared) return;
    this.shared = shared;
    if (shared) this.logger.info("key limits are counted for the cluster again (Redis is back)");
    else
      this.logger.warn(
        {
          replicas: this.cluster?.replicasSeen(),
          err: error instanceof Error ? { message: error.message } : undefined,
        },
        "Redis unreachable: key limits are counted per replica, each enforcing its share of every limit",
      );
  }
}
