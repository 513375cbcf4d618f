import type { VirtualKey } from "../keys/virtual-key.js";
import type { Counted, FailoverLimitStore } from "./failover-store.js";
import { type KeyLimits, keyLimitsOf } from "./key-limits.js";
import type { AdmitResult, CounterCheck, LimitStatus } from "./ports.js";

/** A call let in under its key's limits: what it holds until it ends, and what its reply headers say. */
export interface Admission {
  readonly limits: KeyLimits;
  readonly lease: string;
  readonly counted: Counted;
  readonly parallelIds: readonly string[];
  /** Shared with the key's limits until a model adds its own counter (then copied). */
  tokenIds: readonly string[];
  tokens: number;
  settled: boolean;
  /** LiteLLM's x-ratelimit-* values: set when the key (or the called model) has the limit. */
  limitRequests: number | null;
  remainingRequests: number | null;
  limitTokens: number | null;
  remainingTokens: number | null;
}

/** Which limit refused a call and how far it was used; the limit's name is LiteLLM's field. */
export interface Refusal {
  limitName: "rpm_limit" | "tpm_limit" | "max_parallel_requests" | "model_rpm_limit" | "model_tpm_limit";
  limit: number;
  current: number;
  model: string | undefined;
  retryAfterSeconds: number;
}

export type AdmitOutcome = { admission: Admission; refusal?: undefined } | { refusal: Refusal; admission?: undefined };

const KEY_LIMIT_NAMES = { requests: "rpm_limit", tokens: "tpm_limit", parallel: "max_parallel_requests" } as const;
const MODEL_LIMIT_NAMES = {
  requests: "model_rpm_limit",
  tokens: "model_tpm_limit",
  parallel: "model_rpm_limit",
} as const;

/**
 * Keys' rpm_limit, tpm_limit, max_parallel_requests and per-model limits, counted for the cluster (see
 * FailoverLimitStore). A key without limits costs one WeakMap lookup; a limited key one store round trip before
 * its body is read (shared with the calls admitted beside it), one more once the body names a model with its own
 * limit, and a settlement after the reply that the store may send along with later admissions.
 */
export class KeyLimiter {
  private readonly limits = new WeakMap<VirtualKey, KeyLimits | null>();
  /** Admissions by the call (the HTTP response) they belong to, for the steps after the body is read. */
  private readonly admissions = new WeakMap<object, Admission>();
  private leases = 0;

  constructor(
    private readonly store: FailoverLimitStore,
    private readonly replicaId: string,
  ) {}

  /** Keys are immutable values replaced on every change, so their limits are worked out once per version. */
  limitsOf(key: VirtualKey): KeyLimits | undefined {
    let limits = this.limits.get(key);
    if (limits === undefined) this.limits.set(key, (limits = keyLimitsOf(key) ?? null));
    return limits ?? undefined;
  }

  async admitKey(limits: KeyLimits): Promise<AdmitOutcome> {
    const admission: Admission = {
      limits,
      lease: `${this.replicaId}:${++this.leases}`,
      counted: {},
      parallelIds: limits.parallelIds,
      tokenIds: limits.keyTokenIds,
      tokens: 0,
      settled: false,
      limitRequests: limits.rpm,
      remainingRequests: null,
      limitTokens: limits.tpm,
      remainingTokens: null,
    };
    if (limits.keyChecks.length === 0) return { admission };
    const result = await this.store.admit({ checks: limits.keyChecks, lease: admission.lease }, admission.counted);
    if (!result.ok) return { refusal: refusalOf(limits.keyChecks, result, KEY_LIMIT_NAMES, undefined) };
    setRemaining(admission, limits.keyChecks, result.used);
    return { admission };
  }

  attach(call: object, admission: Admission): void {
    this.admissions.set(call, admission);
  }

  admissionOf(call: object): Admission | undefined {
    return this.admissions.get(call);
  }

  /** The called model's own limits (model_rpm_limit / model_tpm_limit), once the body has named it. */
  async admitModel(admission: Admission, model: string): Promise<Refusal | undefined> {
    const limits = admission.limits.models.get(model);
    if (!limits) return undefined;
    if (limits.tokenId !== null) admission.tokenIds = [...admission.tokenIds, limits.tokenId];
    // Settled where the key's own counters were taken, or where these were when the key has none.
    const counted: Counted = admission.counted.store ? { store: admission.counted.store } : admission.counted;
    const result = await this.store.admit({ checks: limits.checks, lease: admission.lease }, counted);
    if (!result.ok) return refusalOf(limits.checks, result, MODEL_LIMIT_NAMES, model);
    if (admission.limitRequests === null && limits.rpm !== null) admission.limitRequests = limits.rpm;
    if (admission.limitTokens === null && limits.tpm !== null) admission.limitTokens = limits.tpm;
    setRemaining(admission, limits.checks, result.used);
    return undefined;
  }

  /** Gives back the call's parallel slot and counts its reply's tokens; once, however the call ended. */
  settle(admission: Admission): void {
    if (admission.settled) return;
    admission.settled = true;
    if (admission.parallelIds.length === 0 && (admission.tokens === 0 || admission.tokenIds.length === 0)) return;
    const { lease, parallelIds, tokens, tokenIds } = admission;
    this.store.settle({ lease, parallelIds, tokens, tokenIds }, admission.counted);
  }

  status(): LimitStatus {
    return this.store.status();
  }
}

/** Remaining after this call, for the first requests and tokens counters that have not been set yet. */
function setRemaining(admission: Admission, checks: readonly CounterCheck[], used: number[]): void {
  checks.forEach((check, i) => {
    const count = used[i] ?? 0;
    if (check.kind === "requests" && admission.remainingRequests === null && check.limit === admission.limitRequests)
      admission.remainingRequests = Math.max(0, check.limit - count - 1);
    if (check.kind === "tokens" && admission.remainingTokens === null && check.limit === admission.limitTokens)
      admission.remainingTokens = Math.max(0, check.limit - count);
  });
}

function refusalOf(
  checks: readonly CounterCheck[],
  result: Extract<AdmitResult, { ok: false }>,
  names: Record<CounterCheck["kind"], Refusal["limitName"]>,
  model: string | undefined,
): Refusal {
  const check = checks[result.refused]!;
  return {
    limitName: names[check.kind],
    limit: check.limit,
    current: result.used[result.refused] ?? 0,
    model,
    retryAfterSeconds: Math.max(1, Math.ceil(result.retryAfterMs / 1000)),
  };
}
