import type { Deployment } from "../registry/deployment.js";
import { type CostMap, type CostMapEntry, costLookupCandidates } from "./cost-map.js";

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The cost-map entry for a deployment, looked up as LiteLLM does (base_model first, then the model string). */
export function costMapEntryFor(deployment: Deployment, costMap: CostMap): CostMapEntry | undefined {
  const model = text(deployment.litellmParams.model) ?? "";
  const base = text(deployment.modelInfo.base_model) ?? text(deployment.litellmParams.base_model);
  return costMap.lookup(costLookupCandidates(model, base));
}

// Images, speech and transcriptions are priced per image, pixel, character or second (see proxy/media).
const PRICE_FIELDS = [
  "input_cost_per_token",
  "output_cost_per_token",
  "output_cost_per_image",
  "input_cost_per_image",
  "input_cost_per_pixel",
  "input_cost_per_character",
  "input_cost_per_second",
] as const;

/** The prices that apply to a call: what the user set in model_info wins over the cost map. */
export function effectivePrices(deployment: Deployment, costMap: CostMap): CostMapEntry | undefined {
  const entry = costMapEntryFor(deployment, costMap);
  const own: Record<string, number> = {};
  for (const field of PRICE_FIELDS) {
    const value = deployment.modelInfo[field];
    if (typeof value === "number") own[field] = value;
  }
  if (!entry && Object.keys(own).length === 0) return undefined;
  return { key: entry?.key ?? text(deployment.litellmParams.model) ?? deployment.modelName, ...entry, ...own };
}
