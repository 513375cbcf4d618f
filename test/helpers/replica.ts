import type { AddressInfo } from "node:net";
import type { RequestListener, Server } from "node:http";
import supertest from "supertest";
import { createApp } from "../../src/app.js";
import { parseConfigText } from "../../src/config/config-file.js";
import { parseEnv } from "../../src/config/env.js";
import { resolveConfig } from "../../src/config/load-config.js";
import { type CostMap, createCostMap } from "../../src/cost/cost-map.js";
import { createDeps, type Deps } from "../../src/deps.js";
import { createHttpServer } from "../../src/http/server.js";
import { createLogger } from "../../src/logging/logger.js";
import type { ChangeBus } from "../../src/sync/ports.js";
import { capturedBodies, registerBodySecrets, registerEnvSecrets } from "./leak-watch.js";

export const TEST_MASTER_KEY = "sk-test-master-0123456789abcdef";

export interface ReplicaOptions {
  databaseUrl?: string;
  dataDir?: string;
  configYaml?: string;
  /** Environment seen by config.yaml's os.environ/ refs and by the env schema. */
  env?: Record<string, string>;
  bus?: ChangeBus;
  costMap?: CostMap;
}

export interface KeyedRequests {
  get(path: string): supertest.Test;
  post(path: string, body?: object): supertest.Test;
}

export interface TestReplica {
  /** The app as node:http serves it; supertest takes it as it is. */
  app: RequestListener;
  replica: Deps;
  masterKey: string;
  logLines: string[];
  /** supertest with the master key already set. */
  get(path: string): supertest.Test;
  post(path: string, body?: unknown): supertest.Test;
  patch(path: string, body?: unknown): supertest.Test;
  anonymous(): supertest.Agent;
  /** supertest with a virtual key (or any other key) instead of the master key. */
  withKey(key: string): KeyedRequests;
  /** Requests this replica has answered so far. */
  requestCount(): number;
  /** Serves the app on a real socket (port 0) and returns its base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export { capturedBodies } from "./leak-watch.js";

let sharedCostMap: Promise<CostMap> | undefined;
function defaultCostMap(): Promise<CostMap> {
  sharedCostMap ??= createCostMap();
  return sharedCostMap;
}

/** Records what the real app writes, chunk by chunk, without changing it, and counts requests. */
function withBodyCapture(app: RequestListener, onRequest: () => void): RequestListener {
  return (req, res) => {
    onRequest();
    const chunks: Buffer[] = [];
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    const keep = (chunk: unknown) => {
      if (chunk && typeof chunk !== "function") chunks.push(Buffer.from(chunk as string));
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => (keep(chunk), write(chunk, ...rest))) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      keep(chunk);
      capturedBodies.push(Buffer.concat(chunks).toString("utf8"));
      return end(chunk, ...rest);
    }) as typeof res.end;
    app(req, res);
  };
}

export async function startReplica(options: ReplicaOptions = {}): Promise<TestReplica> {
  const env = {
    MASTER_KEY: TEST_MASTER_KEY,
    SALT_KEY: "test-salt-key-for-encryption-at-rest",
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.dataDir ? { DATA_DIR: options.dataDir } : {}),
    SYNC_INTERVAL_MS: "500",
    ...options.env,
  };
  registerEnvSecrets(env);
  const config = await resolveConfig(parseEnv(env), parseConfigText(options.configYaml ?? "model_list: []", env));
  registerEnvSecrets({ MASTER_KEY: config.masterKey });
  const logLines: string[] = [];
  const logger = createLogger({ level: "debug", destination: { write: (line: string) => void logLines.push(line) } });
  const replica = await createDeps(config, {
    logger,
    bus: options.bus,
    costMap: options.costMap ?? (await defaultCostMap()),
  });
  let requests = 0;
  const app = withBodyCapture(createApp(replica.deps), () => void requests++);
  const auth = `Bearer ${config.masterKey}`;
  let server: Server | undefined;
  return {
    app,
    replica,
    masterKey: config.masterKey,
    logLines,
    get: (path) => supertest(app).get(path).set("Authorization", auth),
    post: (path, body) => {
      registerBodySecrets(body);
      return supertest(app)
        .post(path)
        .set("Authorization", auth)
        .send(body as object);
    },
    patch: (path, body) => {
      registerBodySecrets(body);
      return supertest(app)
        .patch(path)
        .set("Authorization", auth)
        .send(body as object);
    },
    anonymous: () => supertest.agent(app),
    withKey: (key) => ({
      get: (path) => supertest(app).get(path).set("Authorization", `Bearer ${key}`),
      post: (path, body) => supertest(app).post(path).set("Authorization", `Bearer ${key}`).send(body),
    }),
    requestCount: () => requests,
    listen: async () => {
      server ??= await new Promise<Server>((resolve) => {
        const listening = createHttpServer(app, config.env.server).listen(0, "127.0.0.1", () => resolve(listening));
      });
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: async () => {
      if (server) {
        server.closeAllConnections();
        await new Promise((resolve) => server!.close(resolve));
      }
      await replica.close();
    },
  };
}
