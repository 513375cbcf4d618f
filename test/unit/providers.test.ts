import { describe, expect, it } from "@jest/globals";
import { joinUrl } from "../../src/proxy/provider-adapter.js";
import { LITELLM_PROVIDERS } from "../../src/registry/litellm-providers.js";
import {
  closestLiteLlmProvider,
  editDistance,
  isLiteLlmProvider,
  isSupportedProvider,
  notCallableReason,
  providerProblem,
  SUPPORTED_PROVIDERS,
} from "../../src/registry/providers.js";

describe("LiteLLM's provider list", () => {
  it("holds LiteLLM's provider names once each, the callable ones included", () => {
    expect(new Set(LITELLM_PROVIDERS).size).toBe(LITELLM_PROVIDERS.length);
    for (const name of SUPPORTED_PROVIDERS) expect(isLiteLlmProvider(name)).toBe(true);
    for (const name of ["vertex_ai", "sagemaker", "cohere", "text-completion-openai", "nano-gpt"]) {
      expect(isLiteLlmProvider(name)).toBe(true);
      expect(isSupportedProvider(name)).toBe(false);
    }
    expect(isLiteLlmProvider("opnai")).toBe(false);
    expect(isLiteLlmProvider("OpenAI")).toBe(false);
  });
});

describe("closest provider name", () => {
  it.each([
    ["opnai", "openai"],
    ["openia", "openai"],
    ["antrhopic", "anthropic"],
    ["anthropics", "anthropic"],
    ["OpenAI", "openai"],
    ["vertex-ai", "vertex_ai"],
    ["vertexai", "vertex_ai"],
    ["bedrok", "bedrock"],
    ["azur", "azure"],
    ["sagemkaer", "sagemaker"],
    ["togetherai", "together_ai"],
  ])("suggests %s → %s", (typo, expected) => {
    expect(closestLiteLlmProvider(typo)).toBe(expected);
  });

  it.each(["madeup", "foo", "nope", "my-company-llm"])(
    "suggests nothing for %s, which resembles no provider",
    (name) => {
      expect(closestLiteLlmProvider(name)).toBeUndefined();
    },
  );

  it("counts a swap of neighbours as one edit", () => {
    expect(editDistance("antrhopic", "anthropic")).toBe(1);
    expect(editDistance("opnai", "openai")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });
});

describe("provider checks of a deployment's params", () => {
  it("passes callable and known-but-not-callable providers", () => {
    expect(providerProblem({ model: "gpt-4o" })).toBeUndefined();
    expect(providerProblem({ model: "anthropic/claude-3-5-sonnet-20241022" })).toBeUndefined();
    expect(providerProblem({ model: "vertex_ai/gemini-pro" })).toBeUndefined();
    expect(providerProblem({ model: "x", custom_llm_provider: "bedrock" })).toBeUndefined();
  });

  it("refuses unknown names, naming the field they came from", () => {
    expect(providerProblem({ model: "opnai/gpt-4o" })).toMatchObject({
      kind: "unknown_provider",
      field: "model",
      provider: "opnai",
    });
    expect(providerProblem({ model: "gpt-4o", custom_llm_provider: "opnai" })).toMatchObject({
      kind: "unknown_provider",
      field: "custom_llm_provider",
      provider: "opnai",
    });
  });

  it("requires api_base for azure only", () => {
    expect(providerProblem({ model: "azure/dep" })).toEqual({
      kind: "missing_param",
      field: "api_base",
      provider: "azure",
    });
    expect(providerProblem({ model: "azure/dep", api_base: "" })).toMatchObject({ kind: "missing_param" });
    expect(providerProblem({ model: "azure_ai/dep" })).toBeUndefined();
  });

  it("explains why a known provider is not callable", () => {
    expect(notCallableReason("openai")).toBeUndefined();
    expect(notCallableReason("gemini")).toBeUndefined();
    expect(notCallableReason("groq")).toBeUndefined();
    expect(notCallableReason("sagemaker")).toMatch(
      /^Switchboard cannot call provider "sagemaker" yet \(callable providers: openai, azure, anthropic, /,
    );
  });
});

describe("an upstream URL from api_base and a path", () => {
  it("joins them with one slash", () => {
    expect(joinUrl("https://h/v1/", "/chat/completions")).toBe("https://h/v1/chat/completions");
  });

  it("puts the path before the base's query string and merges the path's own query", () => {
    expect(joinUrl("https://h/v1?api-key=k", "/chat/completions")).toBe("https://h/v1/chat/completions?api-key=k");
    expect(joinUrl("https://h/?a=1", "/openai/x?api-version=2")).toBe("https://h/openai/x?a=1&api-version=2");
  });
});
