import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { pathsOf } from "../../src/http/route.js";
import { healthComponents } from "../../src/http/routes/health.js";
import { proxyRoutes } from "../../src/http/routes/proxy.js";
import { routeListComponents } from "../../src/http/routes/route-list.js";
import { startReplica, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

// LiteLLM's GET /routes and the LiteLLM fields of /health/readiness.

let db: TestDatabase;
let proxy: TestReplica;

beforeAll(async () => {
  db = await createTestDatabase();
  proxy = await startReplica({ databaseUrl: db.url });
});

afterAll(async () => {
  await proxy.close();
  await db.drop();
});

describe("GET /health/readiness", () => {
  it("carries litellm_version (Switchboard's package.json version) and db as LiteLLM names it, beside our own fields", async () => {
    const { version } = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    const body = (await proxy.anonymous().get("/health/readiness").expect(200)).body;
    expect(body).toMatchObject({
      status: "healthy",
      db: "connected",
      litellm_version: version,
      draining: false,
      database: "connected",
      registry: { loaded: true },
      change_feed: { state: "connected" },
      sync: { lag: 0 },
    });
    expect(healthComponents.Readiness.parse(body)).toEqual(body);
  });

  it("says db: disconnected when the database cannot be reached (and stays ready, degraded)", async () => {
    const own = await createTestDatabase();
    const replica = await startReplica({ databaseUrl: own.url });
    try {
      await own.drop();
      const res = await replica.anonymous().get("/health/readiness").expect(200);
      expect(res.body).toMatchObject({ status: "degraded", db: "disconnected", database: "unreachable" });
      expect(healthComponents.Readiness.parse(res.body)).toEqual(res.body);
    } finally {
      await replica.close();
    }
  });
});

describe("GET /routes", () => {
  let routes: Array<{ path: string; methods: string[]; name: string; endpoint: string }>;

  beforeAll(async () => {
    const res = await proxy.anonymous().get("/routes").expect(200);
    expect(routeListComponents.RouteList.parse(res.body)).toEqual(res.body);
    routes = res.body.routes;
  });

  it("needs no key, as in LiteLLM", async () => {
    await proxy.anonymous().get("/routes").expect(200);
  });

  it("lists every operation of /openapi.json, each with its path, method and name, and nothing else", async () => {
    const document = (await proxy.anonymous().get("/openapi.json").expect(200)).body as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({
        path,
        methods: [method.toUpperCase()],
        name: op.operationId,
        endpoint: op.operationId,
      })),
    );
    expect(routes).toEqual(documented);
  });

  it("includes the inference routes served beside express, the health check and itself", () => {
    const listed = new Set(routes.map((route) => `${route.methods.join(",")} ${route.path}`));
    for (const route of proxyRoutes) for (const path of pathsOf(route)) expect(listed).toContain(`POST ${path}`);
    expect(listed).toContain("GET /health");
    expect(listed).toContain("GET /routes");
    expect(listed).toContain("PATCH /model/{id}/update");
  });
});
