import { beforeAll, describe, expect, it } from "@jest/globals";
import { type CostMap, createCostMap } from "../../src/cost/cost-map.js";
import { keyAccess } from "../../src/keys/model-access.js";
import type { VirtualKey } from "../../src/keys/virtual-key.js";
import { type Deployment, deploymentFromConfig } from "../../src/registry/deployment.js";
import { listModels } from "../../src/registry/model-listing.js";
import {
  allowPatternMatches,
  compareSpecificity,
  expandWildcardName,
  routePatternRegExp,
  substituteWildcards,
} from "../../src/registry/model-pattern.js";
import { ModelRegistry } from "../../src/registry/model-registry.js";
import { newKeySettings } from "../../src/keys/key-options.js";

function deployment(id: string, modelName: string, model: string, modelInfo: Record<string, unknown> = {}): Deployment {
  return deploymentFromConfig({
    id,
    modelName,
    litellmParams: { model, api_key: "sk-unit" },
    modelInfo,
    missingEnv: [],
  });
}

/** What the cost map answers for these bare names; enough for the matcher, which only needs the function. */
const providers: Record<string, string> = {
  "gpt-4.1": "openai",
  "gpt-4o": "openai",
  "claude-3-haiku-20240307": "anthropic",
};
const providerOf = (model: string) => providers[model];

function key(models: string[]): VirtualKey {
  const now = new Date();
  return {
    ...newKeySettings({ models }, now.getTime()),
    token: "t",
    keyName: "sk-...unit",
    revision: 1,
    createdAt: now,
    createdBy: "unit",
    updatedAt: now,
    updatedBy: "unit",
  };
}

function upstreamOf(registry: ModelRegistry, name: string): string[] {
  return registry.resolve(name).map((d) => `${d.id}:${d.provider}/${d.upstreamModel}`);
}

describe("deployment patterns", () => {
  it("capture what each * stood for and fill them into litellm_params.model in order", () => {
    const found = routePatternRegExp("llmengine/fo::*::static::*").exec("llmengine/fo::bar::static::baz");
    expect(found?.slice(1)).toEqual(["bar", "baz"]);
    expect(substituteWildcards("openai/fo::*::static::*", ["bar", "baz"], "llmengine/fo::bar::static::baz")).toBe(
      "openai/fo::bar::static::baz",
    );
  });

  it("pass the whole name on when the model has fewer * than the pattern, and keep a model without *", () => {
    expect(substituteWildcards("bedrock/meta.llama3*", ["hello-world-", "-70b"], "hello-world-meta.llama3-70b")).toBe(
      "hello-world-meta.llama3-70b",
    );
    expect(substituteWildcards("openai/gpt-4o", ["x"], "team/x")).toBe("openai/gpt-4o");
  });

  it("match the whole name, with regex characters taken literally", () => {
    expect(routePatternRegExp("openai/*").test("openai/gpt-4.1")).toBe(true);
    expect(routePatternRegExp("openai/*").test("azure/openai/gpt-4.1")).toBe(false);
    expect(routePatternRegExp("gpt-4*-mini").test("gpt-4o-mini-tts")).toBe(false);
    expect(routePatternRegExp("a.b/*").test("aXb/c")).toBe(false);
  });

  it("rank longer patterns first, then the one with more regex metacharacters, as LiteLLM does", () => {
    const sorted = ["*", "openai/*", "openai/gpt-4*", "anthropic/*"].sort(compareSpecificity);
    expect(sorted).toEqual(["openai/gpt-4*", "anthropic/*", "openai/*", "*"]);
  });
});

describe("ModelRegistry.resolve", () => {
  const registry = new ModelRegistry(
    [
      deployment("exact", "gpt-4.1", "openai/gpt-4.1-exact"),
      deployment("openai-any", "openai/*", "openai/*"),
      deployment("openai-4", "openai/gpt-4*", "openai/gpt-4*"),
      deployment("anthropic-any", "anthropic/*", "anthropic/*"),
      deployment("team", "team/*", "openai/*"),
    ],
    { providerOf },
  );

  it("prefers an exact model_name over every pattern", () => {
    expect(upstreamOf(registry, "gpt-4.1")).toEqual(["exact:openai/gpt-4.1-exact"]);
  });

  it("passes the requested name through, the most specific pattern winning", () => {
    expect(upstreamOf(registry, "openai/gpt-4.1")).toEqual(["openai-4:openai/gpt-4.1"]);
    expect(upstreamOf(registry, "openai/o3")).toEqual(["openai-any:openai/o3"]);
    expect(upstreamOf(registry, "anthropic/claude-x")).toEqual(["anthropic-any:anthropic/claude-x"]);
    expect(upstreamOf(registry, "team/my-model")).toEqual(["team:openai/my-model"]);
  });

  it("qualifies a bare name with its provider when nothing matches it as sent", () => {
    expect(upstreamOf(registry, "gpt-4o")).toEqual(["openai-4:openai/gpt-4o"]);
    expect(upstreamOf(registry, "claude-3-haiku-20240307")).toEqual([
      "anthropic-any:anthropic/claude-3-haiku-20240307",
    ]);
    expect(upstreamOf(registry, "unknown-bare")).toEqual([]);
  });

  it("lets a * deployment win over provider patterns for a bare name, as LiteLLM tries the name as sent first", () => {
    const withStar = new ModelRegistry(
      [deployment("star", "*", "openai/*"), deployment("openai-any", "openai/*", "openai/*")],
      { providerOf },
    );
    expect(upstreamOf(withStar, "gpt-4.1")).toEqual(["star:openai/gpt-4.1"]);
    expect(upstreamOf(withStar, "openai/gpt-4.1")).toEqual(["openai-any:openai/gpt-4.1"]);
  });

  it("substitutes litellm_params.model too and leaves the stored deployment alone", () => {
    const [served] = registry.resolve("openai/o3");
    expect(served?.litellmParams.model).toBe("openai/o3");
    expect(served?.modelName).toBe("openai/*");
    expect(registry.byId("openai-any")?.litellmParams.model).toBe("openai/*");
  });

  it("hands out the same derived object for a name until the registry changes", () => {
    const first = registry.resolve("openai/o3")[0];
    expect(registry.resolve("openai/o3")[0]).toBe(first);
    const changing = new ModelRegistry([deployment("openai-any", "openai/*", "openai/*")]);
    const before = changing.resolve("openai/o3")[0];
    changing.upsertStored(deployment("other", "other", "openai/other"));
    expect(changing.resolve("openai/o3")[0]).not.toBe(before);
    expect(changing.resolve("openai/o3")[0]?.upstreamModel).toBe("o3");
  });

  it("remembers a bounded number of names, least recently used going first", () => {
    const bounded = new ModelRegistry([deployment("openai-any", "openai/*", "openai/*")]);
    const hot = bounded.resolve("openai/hot")[0];
    const cold = bounded.resolve("openai/cold")[0];
    for (let i = 0; i < 1999; i++) {
      bounded.resolve(`openai/m-${i}`);
      if (i % 100 === 0) bounded.resolve("openai/hot");
    }
    expect(bounded.resolve("openai/hot")[0]).toBe(hot);
    expect(bounded.resolve("openai/cold")[0]).not.toBe(cold);
  });
});

describe("key allow-list patterns", () => {
  const registry = new ModelRegistry(
    [
      deployment("mini", "gpt-4o", "openai/gpt-4o"),
      deployment("alias", "my-alias", "openai/gpt-4o"),
      deployment("beta-any", "beta/*", "openai/*", { access_groups: ["beta"] }),
    ],
    { providerOf },
  );

  it("matches the whole name with * standing for anything else literal", () => {
    expect(allowPatternMatches("openai/*", "openai/gpt-4o")).toBe(true);
    expect(allowPatternMatches("openai/*", "openaix/gpt-4o")).toBe(false);
    expect(allowPatternMatches("bedrock/anthropic.*", "bedrock/anthropic.claude-v2")).toBe(true);
    expect(allowPatternMatches("bedrock/anthropic.*", "bedrock/anthropicXclaude")).toBe(false);
    expect(allowPatternMatches("bedrock/us.*", "bedrock/us.amazon.nova-micro-v1:0")).toBe(true);
  });

  it("reach a bare name through its provider (gpt-4o as openai/gpt-4o), but not an alias", () => {
    const access = keyAccess(key(["openai/*"]), registry);
    expect(access.allows("openai/gpt-4.1")).toBe(true);
    expect(access.allows("gpt-4o")).toBe(true);
    expect(access.allows("my-alias")).toBe(false);
    expect(access.allows("anthropic/claude-3-haiku-20240307")).toBe(false);
  });

  it("reach names a wildcard deployment serves through its access group", () => {
    const access = keyAccess(key(["beta"]), registry);
    expect(access.allows("beta/anything")).toBe(true);
    expect(access.allows("gpt-4o")).toBe(false);
    expect(access.listsAccessGroup("beta")).toBe(true);
    expect(access.listsAccessGroup("gamma")).toBe(false);
  });

  it("treat * in the list as every model", () => {
    expect(keyAccess(key(["*"]), registry).allows("anything/at-all")).toBe(true);
  });
});

describe("wildcard listing", () => {
  let costMap: CostMap;
  beforeAll(async () => {
    costMap = await createCostMap();
  });

  it("expands provider/* into the provider's known models, filtered by a partial name", () => {
    const known = ["gpt-4o", "gpt-4.1", "o3"];
    expect(expandWildcardName("openai/*", known)).toEqual(["openai/gpt-4o", "openai/gpt-4.1", "openai/o3"]);
    expect(expandWildcardName("openai/gpt-4*", known)).toEqual(["openai/gpt-4o", "openai/gpt-4.1"]);
    expect(expandWildcardName("bedrock/us.*", ["anthropic.claude-v2"])).toEqual(["bedrock/us.anthropic.claude-v2"]);
    expect(expandWildcardName("*", known)).toEqual([]);
  });

  it("knows each provider's models and a bare name's provider from the bundled cost map", () => {
    expect(costMap.modelsOf("openai")).toEqual(expect.arrayContaining(["gpt-4o", "gpt-4.1", "gpt-4o-mini"]));
    expect(costMap.modelsOf("anthropic")).toEqual(expect.arrayContaining(["claude-3-haiku-20240307"]));
    expect(costMap.modelsOf("no-such-provider")).toEqual([]);
    expect(costMap.providerOf("gpt-4.1")).toBe("openai");
    expect(costMap.providerOf("claude-3-haiku-20240307")).toBe("anthropic");
    expect(costMap.providerOf("gemini-1.5-pro")).toBe("vertex_ai");
    expect(costMap.providerOf("not-a-known-model")).toBeUndefined();
  });

  it("lists groups, then what each wildcard serves, leaving out the route itself unless asked", () => {
    const registry = new ModelRegistry(
      [
        deployment("a", "gpt-4o-mini", "openai/gpt-4o-mini", { access_groups: ["cheap"] }),
        deployment("w", "anthropic/*", "anthropic/*"),
        deployment("s", "*", "openai/*"),
      ],
      { providerOf: (model) => costMap.providerOf(model) },
    );
    const sources = { registry, modelsOf: (provider: string) => costMap.modelsOf(provider) };
    const all = { allows: () => true, listsAccessGroup: () => true };
    const ids = (options = {}) => listModels(sources, all, options).map((m) => m.id);
    const plain = ids();
    expect(plain[0]).toBe("gpt-4o-mini");
    expect(plain).toContain("anthropic/claude-3-haiku-20240307");
    expect(plain).not.toContain("anthropic/*");
    expect(plain).not.toContain("*");
    expect(new Set(plain).size).toBe(plain.length);
    expect(ids({ returnWildcardRoutes: true })).toEqual(expect.arrayContaining(["anthropic/*", "*"]));
    expect(ids({ includeAccessGroups: true })).toContain("cheap");
    expect(ids({ onlyAccessGroups: true })).toEqual([]);
    expect(ids({ onlyAccessGroups: true, includeAccessGroups: true })).toEqual(["cheap"]);
  });
});
