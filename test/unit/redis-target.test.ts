import { describe, expect, it } from "@jest/globals";
import { EnvError, parseEnv } from "../../src/config/env.js";
import { chooseRedisTarget, describeRedisTarget, parseRedisNodes } from "../../src/config/redis-target.js";

describe("Redis node lists in LiteLLM's formats", () => {
  it("reads a JSON list of {host, port} objects, ports as numbers or strings (REDIS_CLUSTER_NODES)", () => {
    expect(parseRedisNodes('[{"host": "10.0.0.1", "port": 7001}, {"host": "10.0.0.2", "port": "7002"}]', 6379)).toEqual(
      [
        { host: "10.0.0.1", port: 7001 },
        { host: "10.0.0.2", port: 7002 },
      ],
    );
  });

  it("reads a JSON list of [host, port] pairs (redis-py's sentinel list)", () => {
    expect(parseRedisNodes('[["s1", 26379], ["s2", "26380"]]', 26379)).toEqual([
      { host: "s1", port: 26379 },
      { host: "s2", port: 26380 },
    ]);
  });

  it("reads a comma list of host:port, a missing port taking the default, and bracketed IPv6", () => {
    expect(parseRedisNodes(" s1:26379, s2 ,[::1]:26381", 26379)).toEqual([
      { host: "s1", port: 26379 },
      { host: "s2", port: 26379 },
      { host: "::1", port: 26381 },
    ]);
  });

  it("says what is wrong with a bad list without echoing it", () => {
    expect(parseRedisNodes("[{", 6379)).toBe("is not valid JSON");
    expect(parseRedisNodes('{"host": "a"}', 6379)).toMatch(/entry 1/);
    expect(parseRedisNodes('[{"host": "a", "port": 0}]', 6379)).toMatch(/entry 1/);
    expect(parseRedisNodes("a:b", 6379)).toMatch(/entry 1/);
    expect(parseRedisNodes("[]", 6379)).toBe("names no node");
  });
});

describe("choosing how to reach Redis", () => {
  it("keeps REDIS_URL as it was, and has no Redis without any Redis variable", () => {
    expect(chooseRedisTarget({ REDIS_URL: "redis://r:6379" })).toEqual({
      target: { mode: "single", url: "redis://r:6379" },
      ignored: [],
      problems: [],
    });
    expect(chooseRedisTarget({}).target).toBeUndefined();
  });

  it("builds a sentinel target; the sentinel password opens the master too unless REDIS_PASSWORD is set", () => {
    const base = { REDIS_SENTINEL_NODES: '[["s1", 26379]]', REDIS_SERVICE_NAME: "mymaster" };
    expect(chooseRedisTarget({ ...base, REDIS_SENTINEL_PASSWORD: "sp" }).target).toEqual({
      mode: "sentinel",
      sentinels: [{ host: "s1", port: 26379 }],
      serviceName: "mymaster",
      password: "sp",
      sentinelPassword: "sp",
    });
    expect(
      chooseRedisTarget({
        ...base,
        REDIS_SENTINEL_SERVICE_NAME: "other",
        REDIS_PASSWORD: "mp",
        REDIS_SENTINEL_PASSWORD: "sp",
      }).target,
    ).toMatchObject({ serviceName: "other", password: "mp", sentinelPassword: "sp" });
  });

  it("requires the service name with sentinels", () => {
    expect(chooseRedisTarget({ REDIS_SENTINEL_NODES: "s1:26379" }).problems).toEqual([
      expect.stringMatching(/^REDIS_SENTINEL_SERVICE_NAME: required/),
    ]);
  });

  it("builds a cluster target with the data-node credentials", () => {
    expect(chooseRedisTarget({ REDIS_CLUSTER_NODES: "a:7001,b:7002", REDIS_PASSWORD: "p" }).target).toEqual({
      mode: "cluster",
      nodes: [
        { host: "a", port: 7001 },
        { host: "b", port: 7002 },
      ],
      password: "p",
    });
  });

  it("follows LiteLLM's order (URL, cluster, sentinel) and names what it ignored", () => {
    const choice = chooseRedisTarget({
      REDIS_URL: "redis://r",
      REDIS_CLUSTER_NODES: "a:1",
      REDIS_SENTINEL_NODES: "s:2",
    });
    expect(choice.target?.mode).toBe("single");
    expect(choice.ignored).toEqual(["REDIS_CLUSTER_NODES", "REDIS_SENTINEL_NODES"]);
  });

  it("describes a target without its secrets", () => {
    expect(describeRedisTarget({ mode: "single", url: "redis://user:secret@r:6380/1" })).toBe("redis://r:6380");
    const sentinel = chooseRedisTarget({
      REDIS_SENTINEL_NODES: "s1:1,s2:2",
      REDIS_SERVICE_NAME: "m",
      REDIS_SENTINEL_PASSWORD: "secret",
    }).target!;
    expect(describeRedisTarget(sentinel)).toBe("sentinel m via s1:1,s2:2");
  });

  it("refuses a bad node list at start-up, naming the variable", () => {
    expect(() => parseEnv({ REDIS_CLUSTER_NODES: "not json [" })).toThrow(EnvError);
    expect(() => parseEnv({ REDIS_CLUSTER_NODES: "[1]" })).toThrow(/REDIS_CLUSTER_NODES: entry 1/);
    expect(parseEnv({ REDIS_CLUSTER_NODES: '[{"host":"a","port":"7001"}]' }).redis).toEqual({
      mode: "cluster",
      nodes: [{ host: "a", port: 7001 }],
    });
  });
});
