import { describe, expect, it } from "@jest/globals";
import { cachedProbe } from "../../src/health/cached-probe.js";

/** A probe whose pings the test settles by hand, counting them. */
function manualProbe() {
  const pending: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  return {
    pending,
    ping: () => new Promise<void>((resolve, reject) => void pending.push({ resolve, reject })),
  };
}

describe("the cached, single-flight readiness probe", () => {
  it("runs one probe at a time however many ask, and shares its answer", async () => {
    const probe = manualProbe();
    const check = cachedProbe(probe, { ttlMs: 60_000, timeoutMs: 60_000 });
    const answers = Array.from({ length: 200 }, () => check());
    expect(probe.pending).toHaveLength(1);
    probe.pending[0]!.resolve();
    expect(await Promise.all(answers)).toEqual(Array.from({ length: 200 }, () => true));
    expect(await check()).toBe(true);
    expect(probe.pending).toHaveLength(1);
  });

  it("keeps a failure for the ttl too, then probes again", async () => {
    const probe = manualProbe();
    const check = cachedProbe(probe, { ttlMs: 0, timeoutMs: 60_000 });
    const first = check();
    probe.pending[0]!.reject(new Error("down"));
    expect(await first).toBe(false);
    const second = check();
    expect(probe.pending).toHaveLength(2);
    probe.pending[1]!.resolve();
    expect(await second).toBe(true);
  });

  it("counts a probe that never answers as a failure after the timeout", async () => {
    const probe = manualProbe();
    const check = cachedProbe(probe, { ttlMs: 0, timeoutMs: 20 });
    expect(await check()).toBe(false);
  });
});
