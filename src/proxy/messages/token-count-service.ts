import { preferCallable } from "../../registry/deployment.js";
import type { ModelRegistry } from "../../registry/model-registry.js";
import type { ProxyOutcome, ProxyRequest, ProxyService } from "../proxy-service.js";
import { countInputTokens } from "./count-tokens.js";

export type TokenCount = { kind: "local"; inputTokens: number } | { kind: "upstream"; outcome: ProxyOutcome };

export interface TokenCountDeps {
  proxy: Pick<ProxyService, "assertCallable" | "routeChecked">;
  registry: Pick<ModelRegistry, "resolve">;
}

/**
 * count_tokens for one model group, after the same allow-list and existence checks as a call. A group served only
 * by Anthropic deployments asks Anthropic (routed, retried and cooled down like any call); any other group is
 * counted here, with the tokenizer of its first deployment's model, as LiteLLM falls back to its token counter.
 */
export async function countTokens(request: ProxyRequest, deps: TokenCountDeps): Promise<TokenCount> {
  await deps.proxy.assertCallable(request, request.model);
  const members = preferCallable(deps.registry.resolve(request.model));
  if (members.length > 0 && members.every((deployment) => deployment.provider === "anthropic"))
    return { kind: "upstream", outcome: await deps.proxy.routeChecked(request) };
  const model = members[0]?.upstreamModel ?? request.model;
  return { kind: "local", inputTokens: await countInputTokens(request.body, model) };
}
