import type { CostMap } from "../../cost/cost-map.js";
import { costMapEntryFor } from "../../cost/deployment-cost.js";
import type { Deployment } from "../../registry/deployment.js";
import type { StoredModel } from "../../registry/ports.js";
import { notCallableReason, parseModelString } from "../../registry/providers.js";
import { isSecretField, maskSecretParams } from "../../registry/secret-fields.js";

// Wire shapes (snake_case, as LiteLLM answers). Secrets are masked in every one of them; a virtual key sees only
// a deployment's routing facts, never where it points or how it authenticates.

/** Who reads the view: the master key sees every param, masked; a virtual key only ROUTING_PARAMS. */
export type Audience = "master" | "virtual";

/** What a virtual key may know of a deployment's litellm_params: which model, whose, and its limits. */
const ROUTING_PARAMS = [
  "model",
  "custom_llm_provider",
  "mode",
  "rpm",
  "tpm",
  "max_parallel_requests",
  "timeout",
  "stream_timeout",
] as const;

function routingParams(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of ROUTING_PARAMS) if (params[name] !== undefined) out[name] = params[name];
  return out;
}

/** model_info as a virtual key sees it: secret-named fields dropped, URL credentials masked. */
function publicModelInfo(info: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return maskSecretParams(Object.fromEntries(Object.entries(info).filter(([name]) => !isSecretField(name))));
}

export interface ModelInfoItem {
  model_name: string;
  litellm_params: Record<string, unknown>;
  model_info: Record<string, unknown>;
}

/** Cost-map fields under the user's own model_info: what the user set wins. */
function enrichedModelInfo(deployment: Deployment, costMap: CostMap, audience: Audience): Record<string, unknown> {
  const costs = costMapEntryFor(deployment, costMap) ?? {};
  const audit = deployment.audit
    ? {
        created_at: deployment.audit.createdAt.toISOString(),
        created_by: deployment.audit.createdBy,
        updated_at: deployment.audit.updatedAt.toISOString(),
        updated_by: deployment.audit.updatedBy,
      }
    : {};
  return {
    ...costs,
    ...(audience === "master" ? deployment.modelInfo : publicModelInfo(deployment.modelInfo)),
    id: deployment.id,
    db_model: deployment.source === "db",
    ...callability(deployment.provider),
    ...audit,
  };
}

/** `callable: false` (with the reason) marks a LiteLLM provider Switchboard lists but cannot call yet. */
function callability(provider: string): { callable: boolean; not_callable_reason?: string } {
  const reason = notCallableReason(provider);
  return reason ? { callable: false, not_callable_reason: reason } : { callable: true };
}

export function toModelInfoItem(deployment: Deployment, costMap: CostMap, audience: Audience): ModelInfoItem {
  return {
    model_name: deployment.modelName,
    litellm_params:
      audience === "master"
        ? maskSecretParams({ ...deployment.litellmParams })
        : routingParams(deployment.litellmParams),
    model_info: enrichedModelInfo(deployment, costMap, audience),
  };
}

/** The row shape /model/new and /model/update answer with (LiteLLM returns its table row). */
export function toStoredModelResponse(model: StoredModel) {
  const { provider } = parseModelString(String(model.litellmParams.model), model.litellmParams.custom_llm_provider);
  return {
    model_id: model.id,
    model_name: model.modelName,
    litellm_params: maskSecretParams(model.litellmParams),
    model_info: { ...model.modelInfo, id: model.id, db_model: true, ...callability(provider) },
    created_at: model.createdAt.toISOString(),
    created_by: model.createdBy,
    updated_at: model.updatedAt.toISOString(),
    updated_by: model.updatedBy,
  };
}

/** OpenAI's fixed `created` for listed models, as LiteLLM sends it. */
const MODEL_CREATED_AT = 1677610602;

export function toOpenAiModel(group: string, members: readonly Deployment[]) {
  return { id: group, object: "model" as const, created: MODEL_CREATED_AT, owned_by: members[0]?.provider ?? "openai" };
}

function maxOf(values: unknown[]): number | null {
  const numbers = values.filter((v): v is number => typeof v === "number");
  return numbers.length > 0 ? Math.max(...numbers) : null;
}

function sumOf(values: unknown[]): number | null {
  const numbers = values.filter((v): v is number => typeof v === "number");
  return numbers.length > 0 ? numbers.reduce((a, b) => a + b, 0) : null;
}

export type ModelGroupInfo = ReturnType<typeof toModelGroupInfo>;

/** One entry per model_name, summarised over its deployments as LiteLLM's /model_group/info does. */
export function toModelGroupInfo(
  group: string,
  members: readonly Deployment[],
  costMap: CostMap,
  infoOf: (d: Deployment) => Record<string, unknown> = (d) => enrichedModelInfo(d, costMap, "virtual"),
) {
  // Only named, non-secret fields are picked from these, for any caller.
  const infos = members.map(infoOf);
  const pick = (field: string) => infos.map((info) => info[field]);
  const anyTrue = (field: string) => pick(field).some((value) => value === true);
  return {
    model_group: group,
    providers: [...new Set(members.map((d) => d.provider))],
    max_input_tokens: maxOf(pick("max_input_tokens")),
    max_output_tokens: maxOf(pick("max_output_tokens")),
    input_cost_per_token: maxOf(pick("input_cost_per_token")),
    output_cost_per_token: maxOf(pick("output_cost_per_token")),
    mode: pick("mode").find((m): m is string => typeof m === "string") ?? null,
    tpm: sumOf(members.map((d) => d.litellmParams.tpm)),
    rpm: sumOf(members.map((d) => d.litellmParams.rpm)),
    supports_function_calling: anyTrue("supports_function_calling"),
    supports_vision: anyTrue("supports_vision"),
    supports_reasoning: anyTrue("supports_reasoning"),
    num_deployments: members.length,
  };
}

/** What /v2/model/info sorts by, read as the rendered model_info has it (audit fields, then the user's, then costs). */
export function sortFieldsOf(deployment: Deployment, costMap: CostMap) {
  const costs = costMapEntryFor(deployment, costMap);
  const own = deployment.modelInfo;
  const text = (field: "created_at" | "updated_at", audit: Date | undefined) =>
    audit ? audit.toISOString() : typeof own[field] === "string" ? own[field] : "";
  const price = (field: "input_cost_per_token" | "output_cost_per_token") =>
    Number(own[field] !== undefined ? own[field] : costs?.[field]) || 0;
  return {
    created_at: text("created_at", deployment.audit?.createdAt),
    updated_at: text("updated_at", deployment.audit?.updatedAt),
    costs: price("input_cost_per_token") + price("output_cost_per_token"),
  };
}

/**
 * Renders kept per Deployment object. The registry replaces a deployment on every change and never edits one, so a
 * render stays right for as long as its deployment is in the registry and goes with it (WeakMap): a page of
 * /v2/model/info or /model_group/info over 10,000 deployments masks and enriches only what changed since the last
 * read. Replies are serialised as they are, never edited, so one render can be handed to every request.
 */
export interface ModelViews {
  item(deployment: Deployment, audience: Audience): ModelInfoItem;
  groupInfo(group: string, members: readonly Deployment[]): ModelGroupInfo;
}

function createModelViews(costMap: CostMap): ModelViews {
  const items = { master: new WeakMap<Deployment, ModelInfoItem>(), virtual: new WeakMap<Deployment, ModelInfoItem>() };
  // Keyed by the group's member array, which the registry replaces whenever one of them changes.
  const groups = new WeakMap<readonly Deployment[], Map<string, ModelGroupInfo>>();
  const item = (deployment: Deployment, audience: Audience) => {
    let rendered = items[audience].get(deployment);
    if (!rendered) items[audience].set(deployment, (rendered = toModelInfoItem(deployment, costMap, audience)));
    return rendered;
  };
  return {
    item,
    groupInfo(group, members) {
      let byName = groups.get(members);
      if (!byName) groups.set(members, (byName = new Map<string, ModelGroupInfo>()));
      let info = byName.get(group);
      if (!info)
        byName.set(group, (info = toModelGroupInfo(group, members, costMap, (d) => item(d, "virtual").model_info)));
      return info;
    },
  };
}

// One set of renders per cost map (a replica has one; tests may run several replicas, each with its own).
const viewsByCostMap = new WeakMap<CostMap, ModelViews>();

export function modelViewsFor(costMap: CostMap): ModelViews {
  let views = viewsByCostMap.get(costMap);
  if (!views) viewsByCostMap.set(costMap, (views = createModelViews(costMap)));
  return views;
}
