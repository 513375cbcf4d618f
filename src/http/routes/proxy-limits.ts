import type { ServerResponse } from "node:http";
import { ApiError } from "../../errors/api-error.js";
import type { Admission, KeyLimiter, Refusal } from "../../limits/key-limiter.js";
import { isSaneUsage } from "../../cost/cost-map.js";
import type { Usage } from "../../proxy/upstream-attempt.js";
import type { Caller } from "../middleware/auth.js";

export interface KeyLimitDeps {
  /** Virtual keys' rpm_limit, tpm_limit, max_parallel_requests and per-model limits, for the cluster. */
  keyLimits: KeyLimiter;
}

/**
 * The inference routes' admission, before the body is read: the key's rpm, tpm and parallel limits. A key without
 * limits returns at once (nothing allocated, no Redis); a limited one holds what it took until the response closes.
 */
export function admitKeyLimits(caller: Caller, res: ServerResponse, deps: KeyLimitDeps): Promise<void> | undefined {
  if (caller.kind !== "virtual") return undefined;
  const limits = deps.keyLimits.limitsOf(caller.key);
  if (!limits) return undefined;
  return deps.keyLimits.admitKey(limits).then((outcome) => {
    if (outcome.refusal) refuse(res, outcome.refusal);
    const { admission } = outcome;
    deps.keyLimits.attach(res, admission);
    res.on("close", () => deps.keyLimits.settle(admission));
    setLimitHeaders(res, admission);
  });
}

/** The called models' own limits (model_rpm_limit / model_tpm_limit), once the body has named them. */
export async function admitModelLimits(
  res: ServerResponse,
  admission: Admission,
  models: readonly string[],
  deps: KeyLimitDeps,
): Promise<void> {
  for (const model of models) {
    const refusal = await deps.keyLimits.admitModel(admission, model);
    if (refusal) refuse(res, refusal);
  }
  setLimitHeaders(res, admission);
}

/** A reply's tokens count against the key's tpm limits when the call ends. */
export function countTokens(admission: Admission, usage: Usage | undefined): void {
  if (!usage || admission.tokenIds.length === 0) return;
  // Upstreams' figures are only trusted when they are plausible token counts: the one check pricing uses too.
  if (isSaneUsage(usage)) admission.tokens += usage.promptTokens + usage.completionTokens;
}

/** LiteLLM's x-ratelimit-* headers: on every proxied reply of a key with rpm or tpm limits. */
function setLimitHeaders(res: ServerResponse, admission: Admission): void {
  if (admission.limitRequests !== null) {
    res.setHeader("x-ratelimit-limit-requests", String(admission.limitRequests));
    res.setHeader("x-ratelimit-remaining-requests", String(admission.remainingRequests ?? admission.limitRequests));
  }
  if (admission.limitTokens !== null) {
    res.setHeader("x-ratelimit-limit-tokens", String(admission.limitTokens));
    res.setHeader("x-ratelimit-remaining-tokens", String(admission.remainingTokens ?? admission.limitTokens));
  }
}

/** 429 with retry-after; the refused limit's headers say nothing is left. */
function refuse(res: ServerResponse, refusal: Refusal): never {
  res.setHeader("retry-after", String(refusal.retryAfterSeconds));
  const requests = refusal.limitName === "rpm_limit" || refusal.limitName === "model_rpm_limit";
  const tokens = refusal.limitName === "tpm_limit" || refusal.limitName === "model_tpm_limit";
  if (requests || tokens) {
    const unit = requests ? "requests" : "tokens";
    res.setHeader(`x-ratelimit-limit-${unit}`, String(refusal.limit));
    res.setHeader(`x-ratelimit-remaining-${unit}`, "0");
  }
  throw ApiError.keyLimitReached(refusal.limitName, refusal.limit, refusal.current, refusal.model);
}
