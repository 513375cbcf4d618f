import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ConfigFileError, parseConfigText } from "../../src/config/config-file.js";
import { type CostMap, createCostMap } from "../../src/cost/cost-map.js";
import { scrubSecrets } from "../../src/registry/secret-scrub.js";
import { createHealthService } from "../../src/health/health-service.js";
import { healthSettings } from "../../src/health/health-settings.js";
import { buildProbe, type Probe } from "../../src/health/probe.js";
import { createLogger } from "../../src/logging/logger.js";
import { createUpstreamClient } from "../../src/proxy/upstream-client.js";
import { type Deployment, deploymentFromConfig } from "../../src/registry/deployment.js";
import { maskSecret } from "../../src/registry/secret-fields.js";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { eventually } from "../helpers/eventually.js";

let costMap: CostMap;

beforeAll(async () => {
  costMap = await createCostMap();
});

/** Deployments as config.yaml would give them, one per entry of `entries` (YAML flow mappings). */
function deploymentsFrom(entries: string[], env: Record<string, string> = {}): Deployment[] {
  const yaml = `model_list:\n${entries.map((entry) => `  - ${entry}`).join("\n")}\n`;
  return parseConfigText(yaml, env).models.map(deploymentFromConfig);
}

function only(entry: string, env: Record<string, string> = {}): Deployment {
  const [deployment] = deploymentsFrom([entry], env);
  if (!deployment) throw new Error("no deployment");
  return deployment;
}

function probeOf(entry: string): Probe {
  const probe = buildProbe(only(entry), costMap);
  if (typeof probe === "string") throw new Error(probe);
  return probe;
}

describe("general_settings for health checks", () => {
  it("default to LiteLLM's: on demand, every 300 s when in the background, with details", () => {
    expect(healthSettings(parseConfigText("model_list: []", {}).generalSettings)).toEqual({
      background: false,
      intervalMs: 300_000,
      details: true,
      concurrency: 10,
    });
  });

  it("read background_health_checks, health_check_interval, health_check_details and health_check_concurrency; null means not given", () => {
    const on = parseConfigText(
      "general_settings: { background_health_checks: True, health_check_interval: 30, health_check_details: false, health_check_concurrency: 3 }",
      {},
    );
    expect(healthSettings(on.generalSettings)).toEqual({
      background: true,
      intervalMs: 30_000,
      details: false,
      concurrency: 3,
    });
    const nulls = parseConfigText(
      "general_settings: { background_health_checks: null, health_check_interval: null }",
      {},
    );
    expect(healthSettings(nulls.generalSettings)).toMatchObject({ background: false, intervalMs: 300_000 });
  });

  it("reject a bad value with its path", () => {
    expect(() => parseConfigText("general_settings: { health_check_interval: soon }", {})).toThrow(ConfigFileError);
    try {
      parseConfigText("general_settings: { health_check_interval: -1, background_health_checks: maybe }", {});
    } catch (error) {
      const problems = (error as ConfigFileError).problems.join("\n");
      expect(problems).toContain("general_settings.health_check_interval");
      expect(problems).toContain("general_settings.background_health_checks");
    }
  });
});

describe("the probe", () => {
  it("is a one-token chat call by default, bounded by health_check_timeout (default 60 s)", () => {
    const probe = probeOf("{ model_name: g, litellm_params: { model: openai/my-model } }");
    expect(probe).toMatchObject({ op: "chat", timeoutMs: 60_000, healthTimeoutBounds: true });
    expect(probe.body).toEqual({
      model: "g",
      messages: [{ role: "user", content: expect.any(String) }],
      max_tokens: 1,
    });
  });

  it("takes its mode from model_info.mode, else from the cost map", () => {
    expect(probeOf("{ model_name: e, litellm_params: { model: openai/text-embedding-3-small } }").op).toBe(
      "embeddings",
    );
    expect(probeOf("{ model_name: c, litellm_params: { model: openai/x }, model_info: { mode: completion } }").op).toBe(
      "completions",
    );
    expect(
      buildProbe(only("{ model_name: i, litellm_params: { model: openai/x }, model_info: { mode: rerank } }"), costMap),
    ).toMatch(/^Mode rerank is not supported/);
  });

  it("lets the deployment's own shorter timeout bound the wait", () => {
    const probe = probeOf(
      "{ model_name: t, litellm_params: { model: openai/x, timeout: 2 }, model_info: { health_check_timeout: 10 } }",
    );
    expect(probe).toMatchObject({ timeoutMs: 2000, healthTimeoutBounds: false });
    expect(
      probeOf(
        "{ model_name: t, litellm_params: { model: openai/x, timeout: 20 }, model_info: { health_check_timeout: '5' } }",
      ),
    ).toMatchObject({
      timeoutMs: 5000,
      healthTimeoutBounds: true,
    });
  });

  it("calls a wildcard deployment with model_info.health_check_model, and refuses one without it", () => {
    const probe = probeOf(
      "{ model_name: 'openai/*', litellm_params: { model: 'openai/*' }, model_info: { health_check_model: openai/gpt-4o-mini } }",
    );
    expect(probe.deployment.upstreamModel).toBe("gpt-4o-mini");
    expect(buildProbe(only("{ model_name: 'openai/*', litellm_params: { model: 'openai/*' } }"), costMap)).toMatch(
      /health_check_model/,
    );
  });
});

describe("upstream error text", () => {
  const secret = "sk-scrub-test-0123456789abcdefgh";
  const header = "Bearer gateway-token-zyxwvutsrq";
  const deployment = only(
    `{ model_name: s, litellm_params: { model: openai/x, api_key: ${secret}, extra_headers: { Authorization: "${header}" } } }`,
  );

  it("is kept when it quotes nothing secret", () => {
    expect(scrubSecrets("The model `x` does not exist", deployment)).toBe("The model `x` does not exist");
  });

  it("masks a key quoted whole, at any depth of litellm_params", () => {
    expect(scrubSecrets(`bad key ${secret}`, deployment)).toBe(`bad key ${maskSecret(secret)}`);
    expect(scrubSecrets(`header was ${header}`, deployment)).toBe(`header was ${maskSecret(header)}`);
  });

  it("masks the strings inside a secret given as an object (JSON credentials)", () => {
    const privateKey = "-----BEGIN PRIVATE KEY-----abcdefghijklmnop";
    const withJsonCredentials = only(
      `{ model_name: v, litellm_params: { model: openai/x, vertex_credentials: { private_key: "${privateKey}", project_id: p } } }`,
    );
    expect(scrubSecrets(`could not use ${privateKey}`, withJsonCredentials)).toBe(
      `could not use ${maskSecret(privateKey)}`,
    );
  });

  it("is withheld when it quotes part of a key", () => {
    const scrubbed = scrubSecrets(`key ${secret.slice(3, 20)}... rejected`, deployment);
    expect(scrubbed).toContain("withheld");
    expect(scrubbed).not.toContain(secret.slice(3, 15));
  });
});

describe("background checks", () => {
  let upstream: FakeUpstream;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
  });

  afterAll(() => upstream.close());

  const checksOf = (model: string) => upstream.requests.filter((r) => r.body?.model === model).length;

  it("run no more checks once closed", async () => {
    const client = createUpstreamClient();
    const deployments = deploymentsFrom([
      `{ model_name: bg, litellm_params: { model: openai/bg-unit, api_base: "${upstream.url}/v1" } }`,
    ]);
    const service = createHealthService({
      registry: { all: () => deployments },
      client,
      costMap,
      logger: createLogger({ level: "silent", destination: { write: () => undefined } }),
      settings: { background: true, intervalMs: 20, details: true, concurrency: 2 },
    });
    service.start();
    try {
      await eventually(() => expect(checksOf("bg-unit")).toBeGreaterThanOrEqual(3));
    } finally {
      await service.close();
      await client.close();
    }
    const afterClose = checksOf("bg-unit");
    // A negative: nothing may happen for ten intervals after close (a leaked timer would have run by then).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(checksOf("bg-unit")).toBe(afterClose);
  });
});
