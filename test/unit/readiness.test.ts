import { describe, expect, it } from "@jest/globals";
import { type ReadinessFacts, readinessVerdict } from "../../src/health/readiness.js";

// Readiness as a load balancer reads it: 503 only when the replica cannot serve; a lost dependency is 200 degraded.

const healthy: ReadinessFacts = {
  registryLoaded: true,
  draining: false,
  databaseReachable: true,
  requiresDatabase: false,
  changeFeedConnected: true,
  redisReachable: true,
};

const codes = (facts: Partial<ReadinessFacts>) =>
  readinessVerdict({ ...healthy, ...facts }).reasons.map((reason) => reason.code);

describe("readinessVerdict", () => {
  it("is ready and healthy, with no reasons, when everything answers", () => {
    expect(readinessVerdict(healthy)).toEqual({ ready: true, status: "healthy", reasons: [] });
  });

  it("stays ready, degraded, without PostgreSQL, Redis or both", () => {
    for (const facts of [
      { databaseReachable: false },
      { changeFeedConnected: false, redisReachable: false },
      { databaseReachable: false, changeFeedConnected: false, redisReachable: false },
    ]) {
      expect(readinessVerdict({ ...healthy, ...facts })).toMatchObject({ ready: true, status: "degraded" });
    }
    expect(codes({ databaseReachable: false, changeFeedConnected: false, redisReachable: false })).toEqual([
      "database_unreachable",
      "change_feed_disconnected",
      "redis_unreachable",
    ]);
  });

  it("is not ready without PostgreSQL when READINESS_REQUIRES_DB is set, and says so", () => {
    const verdict = readinessVerdict({ ...healthy, databaseReachable: false, requiresDatabase: true });
    expect(verdict).toMatchObject({ ready: false, status: "unhealthy" });
    expect(verdict.reasons).toEqual([
      { code: "database_unreachable", message: expect.stringContaining("READINESS_REQUIRES_DB") },
    ]);
    expect(readinessVerdict({ ...healthy, requiresDatabase: true })).toMatchObject({ ready: true, status: "healthy" });
  });

  it("is not ready before the first load or while draining, whatever the dependencies", () => {
    expect(readinessVerdict({ ...healthy, registryLoaded: false })).toMatchObject({
      ready: false,
      status: "unhealthy",
    });
    expect(readinessVerdict({ ...healthy, draining: true })).toMatchObject({ ready: false, status: "unhealthy" });
    // The reason that keeps it out of rotation comes first.
    expect(codes({ draining: true, databaseReachable: false })).toEqual(["draining", "database_unreachable"]);
  });
});
