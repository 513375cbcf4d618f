import type { Agent, Dispatcher } from "undici";
import type { Deployment } from "../registry/deployment.js";
import type { AbortSwitch } from "./abort-switch.js";
import type { UpstreamRequest } from "./provider-adapter.js";

export interface UpstreamResponse {
  status: number;
  body: Dispatcher.ResponseData["body"];
  /** The reply's content-type, which a relayed media reply (speech audio) keeps. */
  contentType?: string;
}

export interface UpstreamClient {
  /** `idleTimeoutMs`: the longest silence allowed between two body chunks (a stalled stream fails instead of hanging). */
  send(
    request: UpstreamRequest,
    deployment: Deployment,
    signal: AbortSwitch,
    idleTimeoutMs?: number,
  ): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

export interface UpstreamClientOptions {
  /** Connections one deployment may hold to one origin when it sets no `max_parallel_requests`. */
  connectionsPerDeployment?: number;
  /** A deployment's pool unused for between one and two of these is closed (gone or idle deployments). */
  poolIdleMs?: number;
}

/** One deployment's connections. `used` is set on every call and cleared by each sweep (mark and sweep). */
interface Pool {
  agent: Agent;
  connections: number;
  /** The deployment object the connection count was read from: deployments are replaced, never edited. */
  deployment: Deployment;
  used: boolean;
}

/** Where one upstream URL points; user info in it (`https://user:pass@host`) is sent as Basic auth, as curl does. */
interface Target {
  origin: string;
  path: string;
  basicAuth?: string;
}

function basicAuthOf(url: URL): string | undefined {
  if (url.username === "" && url.password === "") return undefined;
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return `Basic ${Buffer.from(credentials).toString("base64")}`;
}

const DEFAULT_CONNECTIONS = 256;
const DEFAULT_POOL_IDLE_MS = 60_000;

/** LiteLLM's `max_parallel_requests` on a deployment: its calls beyond it wait for a connection. */
function connectionsOf(deployment: Deployment, fallback: number): number {
  const value = deployment.litellmParams.max_parallel_requests;
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : fallback;
}

/**
 * undici is loaded by the first call, not at start: it is ~0.7 MB of the bundle, a tenth of a start's time and a few
 * MB of an idle replica's heap, and a replica that has not proxied a call has no use for it. The first call waits for
 * it once (~0.1 s).
 */
type AgentConstructor = typeof Agent;
let loadedAgent: AgentConstructor | undefined;
async function loadAgent(): Promise<AgentConstructor> {
  // Through `default` (undici's module.exports): the bundle's chunk for this CommonJS package has no named exports.
  loadedAgent ??= (await import("undici")).default.Agent;
  return loadedAgent;
}

/**
 * A keep-alive pool per deployment (an undici Agent, which keeps one per upstream origin), so that one model whose
 * streams stall (clients that never read) holds only its own connections: other models on the same origin keep
 * theirs. Timeouts are per deployment: the wait for the reply is ours, the silence allowed between body chunks is
 * undici's bodyTimeout, set per request.
 */
export function createUpstreamClient(options: UpstreamClientOptions = {}): UpstreamClient {
  const fallbackConnections = options.connectionsPerDeployment ?? DEFAULT_CONNECTIONS;
  const pools = new Map<string, Pool>();
  const newAgent = (UndiciAgent: AgentConstructor, connections: number) =>
    new UndiciAgent({ connections, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });

  // close() lets requests in flight finish, so a long stream on a swept pool is not cut.
  const sweep = setInterval(() => {
    for (const [id, pool] of pools) {
      if (pool.used) pool.used = false;
      else {
        pools.delete(id);
        void pool.agent.close().catch(() => undefined);
      }
    }
  }, options.poolIdleMs ?? DEFAULT_POOL_IDLE_MS);
  sweep.unref();

  /** A Map get and a pointer compare per call; the count is re-read only when the deployment object changed. */
  const poolOf = (UndiciAgent: AgentConstructor, deployment: Deployment): Pool => {
    let pool = pools.get(deployment.id);
    if (pool?.deployment !== deployment) {
      const connections = connectionsOf(deployment, fallbackConnections);
      if (!pool || pool.connections !== connections) {
        if (pool) void pool.agent.close().catch(() => undefined);
        pool = { agent: newAgent(UndiciAgent, connections), connections, deployment, used: true };
        pools.set(deployment.id, pool);
      } else pool.deployment = deployment;
    }
    pool.used = true;
    return pool;
  };

  const targets = new Map<string, Target>();
  // A deployment's URL is the same on every call: parsed once (the map is bounded by being cleared when full).
  const targetOf = (url: string) => {
    let target = targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: parsed.pathname + parsed.search, basicAuth: basicAuthOf(parsed) };
      if (targets.size >= 1000) targets.clear();
      targets.set(url, target);
    }
    return target;
  };
  return {
    async send(request, deployment, signal, idleTimeoutMs) {
      const { origin, path, basicAuth } = targetOf(request.url);
      const headers =
        basicAuth && !request.headers.authorization
          ? { ...request.headers, authorization: basicAuth }
          : request.headers;
      const UndiciAgent = loadedAgent ?? (await loadAgent());
      const response = await poolOf(UndiciAgent, deployment).agent.request({
        origin,
        path,
        method: "POST",
        headers,
        body: request.body,
        signal,
        bodyTimeout: idleTimeoutMs ?? 0,
      });
      const contentType = response.headers["content-type"];
      return {
        status: response.statusCode,
        body: response.body,
        contentType: typeof contentType === "string" ? contentType : undefined,
      };
    },
    async close() {
      clearInterval(sweep);
      const closing = [...pools.values()].map((pool) => pool.agent.close());
      pools.clear();
      await Promise.all(closing);
    },
  };
}
