/**
 * The counters behind key limits. Every counter is named by an id the limiter builds from the key's hash (never
 * the raw key) and holds one minute of history in one-second buckets (see window.ts), or the leases of the calls
 * in flight. A store checks and takes in one atomic step, so replicas sharing it never both take the last slot.
 */
export type CounterKind = "requests" | "tokens" | "parallel";

export interface CounterCheck {
  kind: CounterKind;
  id: string;
  limit: number;
}

/** What a call asks for: one request on each requests counter, a lease on the parallel one, room on tokens. */
export interface AdmitRequest {
  checks: readonly CounterCheck[];
  /** Names this call's lease on a parallel counter. */
  lease: string;
}

export type AdmitResult =
  | {
      ok: true;
      /** Per check, the count before this call: requests and tokens in the window, leases held. */
      used: number[];
    }
  | {
      ok: false;
      /** The index in `checks` of the first counter with no room. */
      refused: number;
      used: number[];
      /** When that counter will have room again, as far as the store can tell. */
      retryAfterMs: number;
    };

/** What a finished call gives back: its lease, and the tokens its reply reported. */
export interface Settlement {
  lease: string;
  parallelIds: readonly string[];
  tokens: number;
  tokenIds: readonly string[];
}

export interface LimitStore {
  admit(request: AdmitRequest): Promise<AdmitResult>;
  settle(settlement: Settlement): Promise<void>;
}

/** The cluster's store (Redis): it may be unreachable, and it knows how many replicas share it. */
export interface SharedLimitStore extends LimitStore {
  /** Whether a call now would reach the store (false while disconnected: no round trip is tried). */
  available(): boolean;
  /** Replicas that renewed their leases within the last lease period, this one included; at least 1. */
  replicasSeen(): number;
  close(): Promise<void>;
}

/** The limits' state as readiness reports it. */
export interface LimitStatus {
  /** True when counting is shared by the cluster; false while each replica counts alone. */
  shared: boolean;
}
