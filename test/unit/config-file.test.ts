import { describe, expect, it } from "@jest/globals";
import { configProblems } from "../helpers/config-problems.js";
import { parseConfigText } from "../../src/config/config-file.js";
import { parseEnv } from "../../src/config/env.js";
import { resolveConfig, StartupError } from "../../src/config/load-config.js";
import { configModelId } from "../../src/registry/model-id.js";
import { routingSettings } from "../../src/proxy/router.js";

const yaml = `
model_list:
  - model_name: gpt
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_KEY
      extra_thing: { nested: true }
    model_info:
      my_custom_key: hello
  - model_name: claude
    litellm_params:
      model: anthropic/claude-3-5-sonnet-20241022
      api_key: os.environ/UNSET_ANTHROPIC_KEY
    model_info:
      id: pinned-claude
    rpm: 60
litellm_settings:
  drop_params: true
  set_verbose: true
environment_variables:
  SOMETHING: x
`;

describe("config.yaml loading", () => {
  it("resolves os.environ/ references and keeps unknown params and model_info keys", () => {
    const file = parseConfigText(yaml, { OPENAI_KEY: "sk-from-env" });
    expect(file.models[0]).toMatchObject({
      modelName: "gpt",
      litellmParams: { model: "openai/gpt-4o", api_key: "sk-from-env", extra_thing: { nested: true } },
      modelInfo: { my_custom_key: "hello" },
      missingEnv: [],
    });
  });

  it("leaves an unset variable empty, warns naming field and variable, and still loads the model", () => {
    const file = parseConfigText(yaml, { OPENAI_KEY: "x" });
    expect(file.models[1]!.litellmParams.api_key).toBe("");
    expect(file.models[1]!.missingEnv).toEqual([{ field: "litellm_params.api_key", variable: "UNSET_ANTHROPIC_KEY" }]);
    expect(file.warnings).toContain(
      'model_list[1].litellm_params.api_key: environment variable UNSET_ANTHROPIC_KEY is not set; calls to "claude" will fail until it is',
    );
  });

  it("ignores unknown top-level sections with a warning", () => {
    const file = parseConfigText(yaml, {});
    expect(file.warnings).toContain('config section "environment_variables" is not supported and was ignored');
  });

  it("reads litellm_settings.drop_params and names the litellm_settings it ignores", () => {
    const file = parseConfigText(yaml, {});
    expect(file.litellmSettings.drop_params).toBe(true);
    expect(file.warnings).toContain("litellm_settings.set_verbose is not supported and was ignored");
    expect(file.warnings.some((warning) => warning.includes("drop_params"))).toBe(false);
  });

  it("copies entry-level rpm into litellm_params, as LiteLLM does", () => {
    expect(parseConfigText(yaml, {}).models[1]!.litellmParams.rpm).toBe(60);
  });

  it("uses model_info.id when given", () => {
    expect(parseConfigText(yaml, {}).models[1]!.id).toBe("pinned-claude");
  });

  it("derives a 64-hex id that survives secret rotation and differs when params change", () => {
    const a = parseConfigText(yaml, { OPENAI_KEY: "first-secret" }).models[0]!.id;
    const b = parseConfigText(yaml, { OPENAI_KEY: "rotated-secret" }).models[0]!.id;
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    expect(a).toBe(
      configModelId("gpt", { model: "openai/gpt-4o", api_key: "os.environ/OPENAI_KEY", extra_thing: { nested: true } }),
    );
    const edited = parseConfigText(yaml.replace("openai/gpt-4o", "openai/gpt-4o-mini"), {}).models[0]!.id;
    expect(edited).not.toBe(a);
  });

  it("does not depend on key order", () => {
    expect(configModelId("m", { a: 1, b: { c: 2, d: 3 } })).toBe(configModelId("m", { b: { d: 3, c: 2 }, a: 1 }));
  });

  it("takes usage-based-routing-v2 (and LiteLLM's older name for it) and refuses strategies it cannot serve", () => {
    const strategy = (name: string) =>
      routingSettings(parseConfigText(`router_settings: { routing_strategy: ${name} }`, {}).routerSettings).strategy;
    expect(strategy("usage-based-routing-v2")).toBe("usage-based-routing-v2");
    expect(strategy("usage-based-routing")).toBe("usage-based-routing-v2");
    expect(configProblems("router_settings: { routing_strategy: latency-based-routing }")[0]).toMatch(
      /^router_settings\.routing_strategy: /,
    );
  });

  it("lists every problem of a bad file with its path", () => {
    const problems = configProblems(`
model_list:
  - model_name: ok
    litellm_params: { model: gpt-4o }
  - litellm_params: { model: gpt-4o }
  - model_name: no-model
    litellm_params: { api_key: x }
  - model_name: bad-rpm
    litellm_params: { model: gpt-4o, rpm: -5 }
`);
    expect(problems).toEqual([
      "model_list[1].model_name: Required",
      "model_list[2].litellm_params.model: Required",
      "model_list[3].litellm_params.rpm: Too small: expected number to be >=0",
    ]);
  });

  it("refuses a provider name LiteLLM does not know, suggesting the closest one", () => {
    expect(configProblems("model_list: [{model_name: x, litellm_params: {model: opnai/gpt-4o}}]")).toEqual([
      'model_list[0].litellm_params.model: Unsupported provider "opnai" in model "opnai/gpt-4o": it is not a LiteLLM provider. Did you mean "openai"?',
    ]);
  });

  it("refuses an unknown name that resembles no provider, pointing at LiteLLM's list instead of guessing", () => {
    expect(configProblems("model_list: [{model_name: x, litellm_params: {model: foo/bar}}]")).toEqual([
      'model_list[0].litellm_params.model: Unsupported provider "foo" in model "foo/bar": it is not a LiteLLM provider. ' +
        "See https://docs.litellm.ai/docs/providers for the provider names LiteLLM uses.",
    ]);
  });

  it("names custom_llm_provider when that is where the unknown provider came from", () => {
    expect(
      configProblems("model_list: [{model_name: x, litellm_params: {model: gpt-4o, custom_llm_provider: antrhopic}}]"),
    ).toEqual([
      'model_list[0].litellm_params.custom_llm_provider: Unsupported provider "antrhopic" in custom_llm_provider: it is not a LiteLLM provider. Did you mean "anthropic"?',
    ]);
  });

  it("lists every typo of a file at once, beside the other problems", () => {
    const problems = configProblems(`
model_list:
  - { model_name: a, litellm_params: { model: opnai/gpt-4o } }
  - { model_name: b, litellm_params: { model: bedrok/anthropic.claude-v2 } }
  - { model_name: c, litellm_params: { model: azure/x } }
`);
    expect(problems).toEqual([
      'model_list[0].litellm_params.model: Unsupported provider "opnai" in model "opnai/gpt-4o": it is not a LiteLLM provider. Did you mean "openai"?',
      'model_list[1].litellm_params.model: Unsupported provider "bedrok" in model "bedrok/anthropic.claude-v2": it is not a LiteLLM provider. Did you mean "bedrock"?',
      "model_list[2].litellm_params.api_base: Required for azure deployments",
    ]);
  });

  it("requires api_base for azure deployments", () => {
    expect(configProblems("model_list: [{model_name: x, litellm_params: {model: azure/my-deployment}}]")).toEqual([
      "model_list[0].litellm_params.api_base: Required for azure deployments",
    ]);
  });

  it("rejects duplicate ids", () => {
    const problems = configProblems(`
model_list:
  - { model_name: a, litellm_params: { model: gpt-4o }, model_info: { id: same } }
  - { model_name: b, litellm_params: { model: gpt-4o }, model_info: { id: same } }
`);
    expect(problems).toEqual(['model_list[1].model_info.id: duplicate id "same" (also model_list[0])']);
  });

  it("reports YAML syntax errors without a stack trace", () => {
    const [problem] = configProblems("model_list: [unclosed");
    expect(problem).toMatch(/^not valid YAML: /);
  });

  it("treats an empty file as no models", () => {
    expect(parseConfigText("", {}).models).toEqual([]);
  });

  it("resolves general_settings.master_key from the environment", () => {
    const file = parseConfigText("general_settings: { master_key: os.environ/MK }", { MK: "sk-admin" });
    expect(file.masterKey).toBe("sk-admin");
  });
});

describe("master key and storage mode", () => {
  it("refuses to start with DATABASE_URL and no master key", async () => {
    const env = parseEnv({ DATABASE_URL: "postgres://x/y" });
    await expect(resolveConfig(env, parseConfigText("", {}))).rejects.toThrow(StartupError);
    await expect(resolveConfig(env, parseConfigText("", {}))).rejects.toThrow(/refuses to start without one/);
  });

  it("accepts LITELLM_MASTER_KEY and LITELLM_SALT_KEY", async () => {
    const env = parseEnv({ DATABASE_URL: "postgres://x/y", LITELLM_MASTER_KEY: "sk-m", LITELLM_SALT_KEY: "salt" });
    const config = await resolveConfig(env, parseConfigText("", {}));
    expect(config.masterKey).toBe("sk-m");
    expect(config.encryptionSecret).toBe("salt");
    expect(config.storageMode).toBe("postgres");
  });

  it("falls back to the master key for encryption, with a warning", async () => {
    const config = await resolveConfig(
      parseEnv({ DATABASE_URL: "postgres://x/y", MASTER_KEY: "sk-m" }),
      parseConfigText("", {}),
    );
    expect(config.encryptionSecret).toBe("sk-m");
    expect(config.warnings.join("\n")).toContain("SALT_KEY is not set");
  });

  it("rejects a malformed environment, naming the variable", () => {
    expect(() => parseEnv({ PORT: "eighty" })).toThrow(/PORT: /);
  });
});

describe("LiteLLM providers Switchboard cannot call yet", () => {
  const notCallable = `
model_list:
  - { model_name: gemini, litellm_params: { model: vertex_ai/gemini-pro, vertex_project: my-project }, model_info: { id: vx } }
  - { model_name: sm, litellm_params: { model: sagemaker/jumpstart-dft-meta-textgeneration-llama-2-7b } }
  - { model_name: claude-bedrock, litellm_params: { model: bedrock/anthropic.claude-3-sonnet-20240229-v1:0 } }
  - { model_name: gemini-studio, litellm_params: { model: gemini/gemini-1.5-pro, api_key: os.environ/GEMINI_API_KEY } }
  - { model_name: llama, litellm_params: { model: groq/llama3-8b-8192 } }
  - { model_name: command-r, litellm_params: { model: cohere/command-r } }
  - { model_name: custom, litellm_params: { model: my-endpoint, custom_llm_provider: together_ai } }
  - { model_name: gpt, litellm_params: { model: openai/gpt-4o } }
`;

  it("loads them like any other deployment, with the provider derived as for callable ones", () => {
    const file = parseConfigText(notCallable, { GEMINI_API_KEY: "g-key" });
    expect(file.models.map((m) => m.modelName)).toEqual([
      "gemini",
      "sm",
      "claude-bedrock",
      "gemini-studio",
      "llama",
      "command-r",
      "custom",
      "gpt",
    ]);
    expect(file.models[0]).toMatchObject({
      id: "vx",
      litellmParams: { model: "vertex_ai/gemini-pro", vertex_project: "my-project" },
    });
    expect(file.models[3]!.litellmParams.api_key).toBe("g-key");
  });

  it("warns once per such deployment, naming the provider, the model and its id", () => {
    const file = parseConfigText(notCallable, { GEMINI_API_KEY: "g-key" });
    const warnings = file.warnings.filter((w) => w.includes("cannot call provider"));
    expect(warnings[0]).toMatch(
      /^model_list\[0\]\.litellm_params\.model: Switchboard cannot call provider "vertex_ai" yet \(callable providers: openai, azure, anthropic, .*\); "gemini" \(id vx\) is listed, but calls to it answer 400 unsupported_provider$/,
    );
    for (const provider of ["sagemaker", "cohere"]) {
      expect(warnings.some((w) => w.includes(`provider "${provider}"`))).toBe(true);
    }
    // gemini, groq and together_ai (as custom_llm_provider) are callable.
    for (const provider of ["gemini", "groq", "together_ai"]) {
      expect(warnings.some((w) => w.includes(`provider "${provider}"`))).toBe(false);
    }
    expect(file.warnings.join("\n")).not.toContain('"gpt"');
  });
});
