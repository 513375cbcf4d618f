import { describe, expect, it } from "@jest/globals";
import { ConfigFileError, parseConfigText } from "../../src/config/config-file.js";
import { parseEnv } from "../../src/config/env.js";
import { resolveConfig, StartupError } from "../../src/config/load-config.js";
import { configModelId } from "../../src/registry/model-id.js";

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

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, {});
  } catch (error) {
    if (error instanceof ConfigFileError) return error.problems;
    throw error;
  }
  throw new Error("expected the config to be rejected");
}

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

  it("lists every problem of a bad file with its path", () => {
    const problems = problemsOf(`
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

  it("rejects an unsupported provider, naming the supported ones", () => {
    expect(problemsOf("model_list: [{model_name: x, litellm_params: {model: foo/bar}}]")).toEqual([
      'model_list[0].litellm_params.model: Unsupported provider "foo". Supported providers: openai, azure, anthropic',
    ]);
  });

  it("requires api_base for azure deployments", () => {
    expect(problemsOf("model_list: [{model_name: x, litellm_params: {model: azure/my-deployment}}]")).toEqual([
      "model_list[0].litellm_params.api_base: Required for azure deployments",
    ]);
  });

  it("rejects duplicate ids", () => {
    const problems = problemsOf(`
model_list:
  - { model_name: a, litellm_params: { model: gpt-4o }, model_info: { id: same } }
  - { model_name: b, litellm_params: { model: gpt-4o }, model_info: { id: same } }
`);
    expect(problems).toEqual(['model_list[1].model_info.id: duplicate id "same" (also model_list[0])']);
  });

  it("reports YAML syntax errors without a stack trace", () => {
    const [problem] = problemsOf("model_list: [unclosed");
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
    const config = await resolveConfig(parseEnv({ DATABASE_URL: "postgres://x/y", MASTER_KEY: "sk-m" }), parseConfigText("", {}));
    expect(config.encryptionSecret).toBe("sk-m");
    expect(config.warnings.join("\n")).toContain("SALT_KEY is not set");
  });

  it("rejects a malformed environment, naming the variable", () => {
    expect(() => parseEnv({ PORT: "eighty" })).toThrow(/PORT: /);
  });
});
