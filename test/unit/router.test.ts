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

  it("forgets failures after a success", () => {
    const router = new DeploymentRouter(routingSettings({ allowed_fails: 1 }));
    router.recordFailure("a");
    router.recordSuccess("a");
    router.recordFailure("a");
    expect(router.isCoolingDown("a")).toBe(false);
  });

  it("skips excluded deployments", () => {
    const [a, b] = [deployment("a"), deployment("b")];
    expect(new DeploymentRouter(routingSettings({})).pick([a, b], new Set(["a"]))?.id).toBe("b");
  });
});
