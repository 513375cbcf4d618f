import { describe, expect, it } from "@jest/globals";
import { costLookupCandidates, createCostMap } from "../../src/cost/cost-map.js";
import { effectivePrices } from "../../src/cost/deployment-cost.js";
import { createProviderAdapters } from "../../src/proxy/providers/index.js";
import { type Deployment, deploymentFromConfig } from "../../src/registry/deployment.js";
import { OPENAI_COMPATIBLE_PROVIDERS } from "../../src/registry/openai-compatible-providers.js";
import {
  isLiteLlmProvider,
  isSupportedProvider,
  type ProviderName,
  providerProblem,
} from "../../src/registry/providers.js";

function deployment(litellmParams: Record<string, unknown>): Deployment {
  return deploymentFromConfig({ id: "d1", modelName: "m", litellmParams, modelInfo: {}, missingEnv: [] });
}

function build(
  params: Record<string, unknown>,
  env: Record<string, string> = {},
  op: "chat" | "completions" | "embeddings" = "chat",
) {
  const target = deployment(params);
  const adapter = createProviderAdapters(env)[target.provider as ProviderName];
  return adapter.buildRequest(op, { model: "m", messages: [{ role: "user", content: "hi" }] }, target);
}

describe("the OpenAI-compatible provider table", () => {
  it("makes every listed provider callable, and each is a LiteLLM provider name", () => {
    for (const name of Object.keys(OPENAI_COMPATIBLE_PROVIDERS)) {
      expect(isLiteLlmProvider(name)).toBe(true);
      expect(isSupportedProvider(name)).toBe(true);
    }
    expect(deployment({ model: "groq/llama-3.1-8b-instant" })).toMatchObject({
      provider: "groq",
      upstreamModel: "llama-3.1-8b-instant",
      callable: true,
    });
  });

  it("uses the provider's default api_base and the key from its variable when the deployment sets neither", () => {
    const request = build({ model: "groq/llama-3.1-8b-instant" }, { GROQ_API_KEY: "gsk-from-env" });
    expect(request.url).toBe("https://api.groq.com/openai/v1/chat/completions");
    expect(request.headers.authorization).toBe("Bearer gsk-from-env");
    expect(JSON.parse(request.body as string)).toMatchObject({ model: "llama-3.1-8b-instant" });
  });

  it.each([
    ["mistral/mistral-small-latest", "https://api.mistral.ai/v1", "MISTRAL_API_KEY"],
    ["deepseek/deepseek-chat", "https://api.deepseek.com/beta", "DEEPSEEK_API_KEY"],
    ["together_ai/meta-llama/Llama-3-8b-chat-hf", "https://api.together.xyz/v1", "TOGETHERAI_API_KEY"],
    [
      "fireworks_ai/accounts/fireworks/models/llama-v3-8b",
      "https://api.fireworks.ai/inference/v1",
      "FIREWORKS_API_KEY",
    ],
    ["openrouter/openai/gpt-4o", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"],
    ["xai/grok-2", "https://api.x.ai/v1", "XAI_API_KEY"],
    ["perplexity/sonar", "https://api.perplexity.ai", "PERPLEXITYAI_API_KEY"],
    ["deepinfra/meta-llama/Llama-3-8b", "https://api.deepinfra.com/v1/openai", "DEEPINFRA_API_KEY"],
    ["cerebras/llama3.1-8b", "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY"],
    ["nvidia_nim/meta/llama3-8b-instruct", "https://integrate.api.nvidia.com/v1", "NVIDIA_NIM_API_KEY"],
    ["hosted_vllm/my-model", "http://localhost:8000/v1", "HOSTED_VLLM_API_KEY"],
    ["lm_studio/qwen", "http://localhost:1234/v1", "LM_STUDIO_API_KEY"],
    ["ollama_chat/llama3", "http://localhost:11434/v1", "OLLAMA_API_KEY"],
  ])("%s defaults to %s with the key in %s", (model, base, variable) => {
    const request = build({ model }, { [variable]: "key-from-env" });
    expect(request.url).toBe(`${base}/chat/completions`);
    expect(request.headers.authorization).toBe("Bearer key-from-env");
  });

  it("lets the deployment's api_key and api_base win over the variables and the default", () => {
    const env = { GROQ_API_KEY: "gsk-from-env", GROQ_API_BASE: "https://env.example/v1" };
    const own = build({ model: "groq/x", api_key: "gsk-own", api_base: "https://own.example/openai/v1" }, env);
    expect(own.url).toBe("https://own.example/openai/v1/chat/completions");
    expect(own.headers.authorization).toBe("Bearer gsk-own");
    expect(build({ model: "groq/x" }, env).url).toBe("https://env.example/v1/chat/completions");
  });

  it("takes the first of several key variables that is set, and sends no key when none is", () => {
    const both = { TOGETHER_AI_API_KEY: "second", TOGETHERAI_API_KEY: "third" };
    expect(build({ model: "together_ai/x" }, both).headers.authorization).toBe("Bearer second");
    expect(build({ model: "groq/x" }, { GROQ_API_KEY: "  " }).headers).not.toHaveProperty("authorization");
  });

  it("lets extra_headers override the key from the variable", () => {
    const request = build(
      { model: "groq/x", extra_headers: { authorization: "Bearer gateway" } },
      { GROQ_API_KEY: "g" },
    );
    expect(request.headers.authorization).toBe("Bearer gateway");
  });

  it("adds Ollama's /v1 to an api_base that lacks it, and only then", () => {
    expect(build({ model: "ollama/llama3", api_base: "http://gpu:11434" }).url).toBe(
      "http://gpu:11434/v1/chat/completions",
    );
    expect(build({ model: "ollama/llama3", api_base: "http://gpu:11434/v1/" }).url).toBe(
      "http://gpu:11434/v1/chat/completions",
    );
  });

  it("serves embeddings and completions only where the provider does", () => {
    const adapters = createProviderAdapters({});
    expect(adapters.groq.supports("embeddings")).toBe(false);
    expect(adapters.mistral.supports("embeddings")).toBe(true);
    expect(adapters.hosted_vllm.supports("completions")).toBe(true);
    expect(build({ model: "hosted_vllm/e5", api_base: "http://vllm:8000/v1" }, {}, "embeddings").url).toBe(
      "http://vllm:8000/v1/embeddings",
    );
  });

  it("names upstream errors as LiteLLM does (GroqException) and relays replies as they are", () => {
    const adapters = createProviderAdapters({});
    expect(adapters.groq.exceptionName).toBe("GroqException");
    expect(adapters.together_ai.exceptionName).toBe("Together_aiException");
    expect(adapters.groq.passthrough).toBe(true);
  });

  it("masks a key from the environment where an upstream's error quotes it", () => {
    const adapter = createProviderAdapters({ GROQ_API_KEY: "gsk-env-secret-0123456789" }).groq;
    const body = { error: { message: "Invalid API Key: gsk-env-secret-0123456789", type: "invalid_request_error" } };
    expect(adapter.describeError(401, body).message).toBe("Invalid API Key: gsk-****6789");
  });

  it("requires api_base for openai_like and custom_openai, which have no default address", () => {
    expect(providerProblem({ model: "openai_like/x" })).toEqual({
      kind: "missing_param",
      field: "api_base",
      provider: "openai_like",
    });
    expect(providerProblem({ model: "custom_openai/x", api_base: "http://h/v1" })).toBeUndefined();
    expect(providerProblem({ model: "groq/x" })).toBeUndefined();
  });
});

describe("prices of table providers", () => {
  it("come from the cost map under the provider's prefix", async () => {
    const costMap = await createCostMap();
    const prices = effectivePrices(deployment({ model: "groq/llama-3.1-8b-instant" }), costMap);
    expect(prices?.input_cost_per_token).toBeGreaterThan(0);
    expect(costMap.lookup(costLookupCandidates("groq/llama-3.1-8b-instant"))?.litellm_provider).toBe("groq");
  });
});
