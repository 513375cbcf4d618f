import { describe, expect, it } from "@jest/globals";
import {
  type CooldownHandlers,
  type CooldownStore,
  Cooldowns,
  InMemoryCooldownStore,
} from "../../src/proxy/cooldowns.js";
import { DeploymentUsage, InMemoryDeploymentUsageStore } from "../../src/proxy/deployment-usage.js";
import { deploymentFromConfig } from "../../src/registry/deployment.js";

/** The shared store as a replica sees it: reachable or not, and the notices other replicas send. */
class SharedStore implements CooldownStore {
  reachable = true;
  handlers: CooldownHandlers | undefined;
  running: Array<[string, number]> = [];
  private readonly inner = new InMemoryCooldownStore();

  recordFailure(id: string, allowedFails: number, cooldownMs: number): Promise<number> {
    if (!this.reachable) return Promise.reject(new Error("connection lost"));
    return this.inner.recordFailure(id, allowedFails, cooldownMs);
  }
  active(): Promise<Array<[string, number]>> {
    return Promise.resolve(this.running);
  }
  listen(handlers: CooldownHandlers): void {
    this.handlers = handlers;
  }
  shared(): boolean {
    return this.reachable;
  }
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe("cooldowns", () => {
  it("takes cooldowns other replicas announce, and those it missed when the channel comes back", async () => {
    let now = 1_000;
    const store = new SharedStore();
    const cooldowns = new Cooldowns({ allowedFails: 3, cooldownMs: 5000 }, store, undefined, () => now);
    store.handlers!.onCooldown("a", 5000);
    expect(cooldowns.isCooling("a", now)).toBe(true);
    store.running = [["b", 2000]];
    store.handlers!.onReady();
    await settled();
    expect(cooldowns.list()).toEqual([
      { id: "a", remainingMs: 5000 },
      { id: "b", remainingMs: 2000 },
    ]);
    now += 2000;
    expect(cooldowns.list()).toEqual([{ id: "a", remainingMs: 3000 }]);
  });

  it("counts failures on this replica alone while the shared store is unreachable", async () => {
    const store = new SharedStore();
    const cooldowns = new Cooldowns({ allowedFails: 1, cooldownMs: 5000 }, store, undefined);
    store.reachable = false;
    cooldowns.recordFailure("a");
    cooldowns.recordFailure("a");
    await settled();
    expect(cooldowns.isCooling("a", Date.now())).toBe(true);
    expect(cooldowns.shared()).toBe(false);
  });

  it("does not count failures of calls that were under way when the deployment cooled down", async () => {
    let now = 0;
    const store = new InMemoryCooldownStore(() => now);
    expect(await store.recordFailure("a", 0, 1000)).toBe(1000);
    expect(await store.recordFailure("a", 0, 1000)).toBe(0);
    now = 1000;
    expect(await store.recordFailure("a", 0, 1000)).toBe(1000);
  });
});

describe("deployment usage", () => {
  const limited = deploymentFromConfig({
    id: "a",
    modelName: "g",
    litellmParams: { model: "gpt-4o", rpm: 2, tpm: 100 },
    modelInfo: {},
    missingEnv: [],
  });

  it("reads the cluster's counts on sync, tokens added since included", async () => {
    const store = new InMemoryDeploymentUsageStore();
    const other = new DeploymentUsage(store, () => ["a"]);
    const mine = new DeploymentUsage(store, () => ["a"]);
    expect(await other.claim(limited)).toBe(true);
    other.recordTokens(limited, 30);
    await other.sync();
    await mine.sync();
    expect(mine.usage("a")).toEqual({ requests: 1, tokens: 30 });
    expect(mine.headroom(limited)).toBeCloseTo(0.5);
    expect(await mine.claim(limited)).toBe(true);
    expect(await other.claim(limited)).toBe(false);
  });
});
