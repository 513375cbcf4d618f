import type { VirtualKey } from "../keys/virtual-key.js";
import type { CounterCheck } from "./ports.js";

/** A key's limits as the limiter checks them, worked out once per key version. */
export interface KeyLimits {
  rpm: number | null;
  tpm: number | null;
  parallel: number | null;
  /** Checked before the body is read: the key's own requests, tokens and parallel counters. */
  keyChecks: CounterCheck[];
  /** Counters a reply's tokens are added to (the key's, and its per-model ones, by model). */
  keyTokenIds: readonly string[];
  /** The key's parallel counter, when it has max_parallel_requests: the slot a call holds until it ends. */
  parallelIds: readonly string[];
  /** Per model named in model_rpm_limit / model_tpm_limit: its counters, checked once the body names the model. */
  models: ReadonlyMap<string, ModelLimits>;
}

export interface ModelLimits {
  rpm: number | null;
  tpm: number | null;
  checks: CounterCheck[];
  tokenId: string | null;
}

/** Counter ids are built from the key's hash: the raw key never reaches Redis. */
export function counterId(token: string, name: string): string {
  return `${token}:${name}`;
}

/** LiteLLM keeps model_rpm_limit / model_tpm_limit in the key's metadata: model → limit. */
function limitsByModel(metadata: Record<string, unknown>, field: string): Map<string, number> {
  const value = metadata[field];
  const limits = new Map<string, number>();
  if (typeof value !== "object" || value === null || Array.isArray(value)) return limits;
  for (const [model, limit] of Object.entries(value)) {
    if (typeof limit === "number" && Number.isInteger(limit) && limit >= 0) limits.set(model, limit);
  }
  return limits;
}

function modelLimits(key: VirtualKey): Map<string, ModelLimits> {
  const rpm = limitsByModel(key.metadata, "model_rpm_limit");
  const tpm = limitsByModel(key.metadata, "model_tpm_limit");
  const models = new Map<string, ModelLimits>();
  for (const model of new Set([...rpm.keys(), ...tpm.keys()])) {
    const checks: CounterCheck[] = [];
    const modelRpm = rpm.get(model) ?? null;
    const modelTpm = tpm.get(model) ?? null;
    const base = counterId(key.token, `model:${model}`);
    if (modelRpm !== null) checks.push({ kind: "requests", id: `${base}:rpm`, limit: modelRpm });
    if (modelTpm !== null) checks.push({ kind: "tokens", id: `${base}:tpm`, limit: modelTpm });
    models.set(model, { rpm: modelRpm, tpm: modelTpm, checks, tokenId: modelTpm === null ? null : `${base}:tpm` });
  }
  return models;
}

/** The key's limits, or undefined when it has none (the common case, which then costs nothing). */
export function keyLimitsOf(key: VirtualKey): KeyLimits | undefined {
  const models = modelLimits(key);
  const { rpmLimit: rpm, tpmLimit: tpm, maxParallelRequests: parallel } = key;
  if (rpm === null && tpm === null && parallel === null && models.size === 0) return undefined;
  const keyChecks: CounterCheck[] = [];
  if (rpm !== null) keyChecks.push({ kind: "requests", id: counterId(key.token, "rpm"), limit: rpm });
  if (tpm !== null) keyChecks.push({ kind: "tokens", id: counterId(key.token, "tpm"), limit: tpm });
  if (parallel !== null) keyChecks.push({ kind: "parallel", id: counterId(key.token, "parallel"), limit: parallel });
  const keyTokenIds = tpm === null ? [] : [counterId(key.token, "tpm")];
  const parallelIds = parallel === null ? [] : [counterId(key.token, "parallel")];
  return { rpm, tpm, parallel, keyChecks, keyTokenIds, parallelIds, models };
}
