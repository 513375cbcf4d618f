import type { Deployment } from "./deployment.js";
import { compareSpecificity, isWildcard, routePatternRegExp, substituteWildcards } from "./model-pattern.js";
import { parseModelString } from "./providers.js";

/** The provider LiteLLM would infer for a bare model name (`gpt-4o` → openai), if it knows one. */
export type ProviderOf = (bareModel: string) => string | undefined;

interface Route {
  pattern: string;
  regExp: RegExp;
  members: readonly Deployment[];
}

// Derived deployments are remembered per requested name so that each stays one object across calls (the proxy
// memoises prices per Deployment object); callers choose the names, so the memory is bounded and least recently
// used names go first.
const MAX_REMEMBERED_NAMES = 2_000;

/**
 * The wildcard groups of one registry snapshot (`model_name` holding `*`), most specific first, and the concrete
 * deployments a requested name resolves to through them. Rebuilt with the registry, so it never outlives the
 * deployments it derived from.
 */
export class WildcardRoutes {
  private readonly routes: readonly Route[];
  private readonly remembered = new Map<string, readonly Deployment[]>();

  constructor(
    groups: ReadonlyMap<string, readonly Deployment[]>,
    private readonly providerOf: ProviderOf,
  ) {
    const wildcards = [...groups.keys()].filter(isWildcard).sort(compareSpecificity);
    this.routes = wildcards.map((pattern) => ({
      pattern,
      regExp: routePatternRegExp(pattern),
      members: groups.get(pattern) ?? [],
    }));
  }

  get size(): number {
    return this.routes.length;
  }

  /**
   * The deployments serving `name` with `litellm_params.model` (and the upstream model) filled in from it, or []
   * when no pattern matches. As LiteLLM: the name as sent first, then a bare name qualified with the provider
   * inferred for it (`gpt-4o` → `openai/gpt-4o`), so `openai/*` serves `gpt-4o` too.
   */
  resolve(name: string): readonly Deployment[] {
    const known = this.remembered.get(name);
    if (known) {
      this.remembered.delete(name);
      this.remembered.set(name, known);
      return known;
    }
    const matched = this.match(name);
    if (!matched) return [];
    const deployments = matched.route.members.map((d) => withRequestedModel(d, matched.captures, matched.subject));
    if (this.remembered.size >= MAX_REMEMBERED_NAMES) this.remembered.delete(this.remembered.keys().next().value ?? "");
    this.remembered.set(name, deployments);
    return deployments;
  }

  private match(name: string): { route: Route; captures: string[]; subject: string } | undefined {
    const direct = this.firstMatch(name);
    if (direct) return direct;
    const qualified = qualifyBareName(name, this.providerOf);
    return qualified === undefined ? undefined : this.firstMatch(qualified);
  }

  private firstMatch(subject: string): { route: Route; captures: string[]; subject: string } | undefined {
    for (const route of this.routes) {
      const found = route.regExp.exec(subject);
      if (found) return { route, captures: found.slice(1), subject };
    }
    return undefined;
  }
}

/** A wildcard deployment as it serves one request; the deployment itself when its model has no `*`. */
function withRequestedModel(deployment: Deployment, captures: readonly string[], subject: string): Deployment {
  const template = typeof deployment.litellmParams.model === "string" ? deployment.litellmParams.model : "";
  const model = substituteWildcards(template, captures, subject);
  if (model === template) return deployment;
  const { provider, upstreamModel } = parseModelString(model, deployment.litellmParams.custom_llm_provider);
  return { ...deployment, litellmParams: { ...deployment.litellmParams, model }, provider, upstreamModel };
}

/** `openai/gpt-4o` for a bare `gpt-4o` whose provider the cost map knows; undefined for a name with a provider. */
export function qualifyBareName(name: string, providerOf: (model: string) => string | undefined): string | undefined {
  if (name.includes("/")) return undefined;
  const provider = providerOf(name);
  return provider === undefined ? undefined : `${provider}/${name}`;
}
