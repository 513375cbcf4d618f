import { describe, expect, it } from "@jest/globals";
import { type Deployment, deploymentFromConfig } from "../../src/registry/deployment.js";
import { DeploymentRouter, routingSettings } from "../../src/proxy/router.js";

function deployment(id: string, params: Record<string, unknown> = {}): Deployment {
  return deploymentFromConfig({
    id,
    modelName: "g",
    litellmParams: { model: "gpt-4o", ...params },
    modelInfo: {},
    missingEnv: [],
  });
}

/** A fixed sequence of "random" numbers makes the weighted choice exact. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

describe("deployment router", () => {
  it("weighs by weight, then rpm, then tpm", () => {
    const a = deployment("a", { rpm: 300 });
    const b = deployment("b", { rpm: 100 });
    const router = new DeploymentRouter(routingSettings({}), sequence(0.1, 0.74, 0.76, 0.99));
    expect([1, 2, 3, 4].map(() => router.pick([a, b], new Set())?.id)).toEqual(["a", "a", "b", "b"]);
  });

  it("picks the deployment with the fewest in-flight calls under least-busy", () => {
    const [a, b, c] = [deployment("a"), deployment("b"), deployment("c")];
    const router = new DeploymentRouter(routingSettings({ routing_strategy: "least-busy" }));
    router.begin("a");
    router.begin("b");
    router.begin("b");
    expect(router.pick([a, b, c], new Set())?.id).toBe("c");
    router.begin("c");
    router.begin("c");
    expect(router.pick([a, b, c], new Set())?.id).toBe("a");
    router.end("b");
    router.end("b");
    expect(router.pick([a, b, c], new Set())?.id).toBe("b");
  });

  it("cools a deployment down after more than allowed_fails failures, for cooldown_time", () => {
    let now = 1_000;
    const a = deployment("a");
    const router = new DeploymentRouter(
      routingSettings({ allowed_fails: 1, cooldown_time: 10 }),
      Math.random,
      () => now,
    );
    router.recordFailure("a");
    expect(router.pick([a], new Set())?.id).toBe("a");
    router.recordFailure("a");
    expect(router.pick([a], new Set())).toBeUndefined();
    now += 10_001;
    expect(router.pick([a], new Set())?.id).toBe("a");
  });

  it("counts failures per minute: those of an earlier minute are forgotten", () => {
    let now = 60_000;
    const router = new DeploymentRouter(routingSettings({ allowed_fails: 1 }), Math.random, () => now);
    router.recordFailure("a");
    now += 60_000;
    router.recordFailure("a");
    expect(router.isCoolingDown("a")).toBe(false);
    router.recordFailure("a");
    expect(router.isCoolingDown("a")).toBe(true);
  });

  it("skips excluded deployments", () => {
    const [a, b] = [deployment("a"), deployment("b")];
    expect(new DeploymentRouter(routingSettings({})).pick([a, b], new Set(["a"]))?.id).toBe("b");
  });
});

describe("deployment rpm/tpm", () => {
  it("usage-based-routing-v2 picks the deployment with the most headroom", async () => {
    const a = deployment("a", { rpm: 10 });
    const b = deployment("b", { rpm: 4 });
    const router = new DeploymentRouter(routingSettings({ routing_strategy: "usage-based-routing-v2" }));
    // b: 1 of 4 used (75% left) vs a: 0 of 10 (100% left) → a; then a at 3 of 10 (70%) → b.
    expect(await router.claim([a, b], new Set(), b)).toBe(b);
    expect(router.pick([a, b], new Set())).toBe(a);
    for (let i = 0; i < 3; i++) await router.claim([a, b], new Set(), a);
    expect(router.pick([a, b], new Set())).toBe(b);
  });

  it("skips a deployment at its rpm and reports the group at its limit when all are", async () => {
    const a = deployment("a", { rpm: 1 });
    const b = deployment("b", { rpm: 1 });
    const router = new DeploymentRouter(routingSettings({}));
    expect(await router.claim([a, b], new Set(), a)).toBe(a);
    expect(router.pick([a, b], new Set())).toBe(b);
    expect(await router.claim([a, b], new Set(), b)).toBe(b);
    expect(router.pick([a, b], new Set())).toBeUndefined();
    expect(router.atLimit([a, b], new Set())).toBe(true);
  });

  it("skips a deployment at its tpm once the tokens of its answers are counted", () => {
    const a = deployment("a", { tpm: 100 });
    const router = new DeploymentRouter(routingSettings({}));
    router.recordTokens(a, 60);
    expect(router.pick([a], new Set())).toBe(a);
    router.recordTokens(a, 40);
    expect(router.pick([a], new Set())).toBeUndefined();
  });

  it("starts counting again in the next minute", async () => {
    let now = 120_000;
    const a = deployment("a", { rpm: 1 });
    const router = new DeploymentRouter(routingSettings({}), Math.random, () => now);
    await router.claim([a], new Set(), a);
    expect(router.pick([a], new Set())).toBeUndefined();
    now += 60_000;
    expect(router.pick([a], new Set())).toBe(a);
    expect(await router.claim([a], new Set(), a)).toBe(a);
  });
});
