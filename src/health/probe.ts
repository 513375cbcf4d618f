import type { CostMap } from "../cost/cost-map.js";
import { costMapEntryFor } from "../cost/deployment-cost.js";
import type { ProxyOperation } from "../proxy/provider-adapter.js";
import { MAX_TIMER_MS } from "../proxy/upstream-attempt.js";
import type { Deployment } from "../registry/deployment.js";
import { parseModelString } from "../registry/providers.js";

/** The smallest real call that tells whether a deployment answers, as LiteLLM's health check makes it. */
export interface Probe {
  op: ProxyOperation;
  body: Record<string, unknown>;
  /** The deployment as called: `model_info.health_check_model` replaces the upstream model (wildcard deployments). */
  deployment: Deployment;
  timeoutMs: number;
  /** True when `health_check_timeout` (not the deployment's own `timeout`) bounds the wait, so expiry reads as LiteLLM's "Timeout exceeded". */
  healthTimeoutBounds: boolean;
}

/** LiteLLM's model_info.mode values this check can call, and the operation each one probes. */
const MODE_OPERATIONS: Readonly<Record<string, ProxyOperation>> = {
  chat: "chat",
  completion: "completions",
  embedding: "embeddings",
};

/** LiteLLM's HEALTH_CHECK_TIMEOUT_SECONDS. */
const DEFAULT_TIMEOUT_SECONDS = 60;
/** One token is enough to prove the deployment answers; `model_info.health_check_max_tokens` overrides it. */
const DEFAULT_MAX_TOKENS = 1;
const PROMPT = "What's 1 + 1?";

function positiveNumber(value: unknown): number | undefined {
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof number === "number" && Number.isFinite(number) && number > 0 ? number : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** `model_info.mode`, else the cost map's mode for the model, else chat (LiteLLM's order). */
function healthCheckMode(deployment: Deployment, costMap: CostMap): string {
  return text(deployment.modelInfo.mode) ?? text(costMapEntryFor(deployment, costMap)?.mode) ?? "chat";
}

function probeBody(op: ProxyOperation, deployment: Deployment): Record<string, unknown> {
  const model = deployment.modelName;
  if (op === "embeddings") return { model, input: [PROMPT] };
  const maxTokens = positiveNumber(deployment.modelInfo.health_check_max_tokens) ?? DEFAULT_MAX_TOKENS;
  if (op === "completions") return { model, prompt: PROMPT, max_tokens: maxTokens };
  return { model, messages: [{ role: "user", content: PROMPT }], max_tokens: maxTokens };
}

function calledDeployment(deployment: Deployment): Deployment | string {
  const override = text(deployment.modelInfo.health_check_model);
  if (override) {
    const { upstreamModel } = parseModelString(override, deployment.litellmParams.custom_llm_provider);
    return { ...deployment, upstreamModel };
  }
  if (deployment.upstreamModel.includes("*")) {
    return "A wildcard deployment is checked with a concrete model: set model_info.health_check_model (e.g. openai/gpt-4o-mini)";
  }
  return deployment;
}

/** The probe for one deployment, or why none can be made (a message for the endpoint's `error`). */
export function buildProbe(deployment: Deployment, costMap: CostMap): Probe | string {
  const mode = healthCheckMode(deployment, costMap);
  const op = MODE_OPERATIONS[mode];
  if (!op)
    return `Mode ${mode} is not supported by the health check; supported modes: ${Object.keys(MODE_OPERATIONS).join(", ")}`;
  const called = calledDeployment(deployment);
  if (typeof called === "string") return called;
  const healthSeconds = positiveNumber(deployment.modelInfo.health_check_timeout) ?? DEFAULT_TIMEOUT_SECONDS;
  const ownSeconds = positiveNumber(deployment.litellmParams.timeout);
  const healthTimeoutBounds = ownSeconds === undefined || healthSeconds <= ownSeconds;
  const seconds = healthTimeoutBounds ? healthSeconds : ownSeconds;
  return {
    op,
    body: probeBody(op, deployment),
    deployment: called,
    timeoutMs: Math.min(Math.ceil(seconds * 1000), MAX_TIMER_MS),
    healthTimeoutBounds,
  };
}
