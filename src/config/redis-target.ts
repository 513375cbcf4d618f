// Which Redis a replica talks to: one server (REDIS_URL), a Sentinel-watched master or a Cluster, named the way
// LiteLLM names them so an existing LiteLLM environment works unchanged.

export interface RedisNode {
  host: string;
  port: number;
}

export type RedisTarget =
  | { mode: "single"; url: string }
  | {
      mode: "sentinel";
      sentinels: RedisNode[];
      /** The master's name in `sentinel monitor <name> …`. */
      serviceName: string;
      username?: string;
      password?: string;
      sentinelUsername?: string;
      sentinelPassword?: string;
    }
  | { mode: "cluster"; nodes: RedisNode[]; username?: string; password?: string };

/** The environment variables read here, already trimmed to undefined when empty. */
export interface RedisEnv {
  REDIS_URL?: string;
  REDIS_CLUSTER_NODES?: string;
  REDIS_SENTINEL_NODES?: string;
  REDIS_SENTINEL_SERVICE_NAME?: string;
  REDIS_SERVICE_NAME?: string;
  REDIS_SENTINEL_USERNAME?: string;
  REDIS_SENTINEL_PASSWORD?: string;
  REDIS_USERNAME?: string;
  REDIS_PASSWORD?: string;
}

export interface RedisChoice {
  target?: RedisTarget;
  /** Variables set but not used because another way of connecting wins (LiteLLM's order: URL, cluster, sentinel). */
  ignored: string[];
  problems: string[];
}

const DEFAULT_PORT = { sentinel: 26379, cluster: 6379 } as const;

/**
 * Parses a node list in any of the shapes LiteLLM users write: a JSON list of {"host", "port"} objects (LiteLLM's
 * REDIS_CLUSTER_NODES), a JSON list of [host, port] pairs (redis-py's sentinel list, LiteLLM's REDIS_SENTINEL_NODES),
 * or a comma list of host:port. A port may be a number or a numeric string; a missing port takes the default.
 */
export function parseRedisNodes(text: string, defaultPort: number): RedisNode[] | string {
  const trimmed = text.trim();
  let entries: unknown[];
  if (trimmed.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (!Array.isArray(parsed)) return "must be a JSON list";
      entries = parsed;
    } catch {
      return "is not valid JSON";
    }
  } else {
    entries = trimmed.split(",").map((part) => part.trim());
  }
  const nodes: RedisNode[] = [];
  for (const [index, entry] of entries.entries()) {
    const node = nodeOf(entry, defaultPort);
    if (!node)
      return `entry ${index + 1} is not a host and port (e.g. {"host": "10.0.0.1", "port": 6379} or 10.0.0.1:6379)`;
    nodes.push(node);
  }
  return nodes.length > 0 ? nodes : "names no node";
}

function nodeOf(entry: unknown, defaultPort: number): RedisNode | undefined {
  if (typeof entry === "string") {
    const at = entry.lastIndexOf(":");
    // "[::1]:26379" and "host:26379"; a bare IPv6 address without brackets cannot be told from host:port.
    if (at <= 0 || entry.endsWith("]")) return checked(entry.replace(/^\[|\]$/g, ""), defaultPort);
    return checked(entry.slice(0, at).replace(/^\[|\]$/g, ""), entry.slice(at + 1));
  }
  if (Array.isArray(entry) && entry.length === 2) return checked(entry[0], entry[1]);
  if (entry !== null && typeof entry === "object") {
    const { host, port } = entry as { host?: unknown; port?: unknown };
    return checked(host, port ?? defaultPort);
  }
  return undefined;
}

function checked(host: unknown, port: unknown): RedisNode | undefined {
  const number = typeof port === "string" && /^\d+$/.test(port.trim()) ? Number(port) : port;
  if (typeof host !== "string" || host.trim() === "" || /\s/.test(host.trim())) return undefined;
  if (typeof number !== "number" || !Number.isInteger(number) || number < 1 || number > 65535) return undefined;
  return { host: host.trim(), port: number };
}

/** Chooses how to reach Redis from the environment; no Redis variable at all means no Redis. */
export function chooseRedisTarget(env: RedisEnv): RedisChoice {
  const problems: string[] = [];
  const credentials = {
    ...(env.REDIS_USERNAME ? { username: env.REDIS_USERNAME } : {}),
    ...(env.REDIS_PASSWORD ? { password: env.REDIS_PASSWORD } : {}),
  };
  const wanted = (["REDIS_URL", "REDIS_CLUSTER_NODES", "REDIS_SENTINEL_NODES"] as const).filter((name) => env[name]);
  const ignored = wanted.slice(1);
  const chosen = wanted[0];
  if (chosen === undefined) return { ignored, problems };
  if (chosen === "REDIS_URL") return { target: { mode: "single", url: env.REDIS_URL! }, ignored, problems };
  if (chosen === "REDIS_CLUSTER_NODES") {
    const nodes = parseRedisNodes(env.REDIS_CLUSTER_NODES!, DEFAULT_PORT.cluster);
    if (typeof nodes === "string") return { ignored, problems: [`REDIS_CLUSTER_NODES: ${nodes}`] };
    return { target: { mode: "cluster", nodes, ...credentials }, ignored, problems };
  }
  const sentinels = parseRedisNodes(env.REDIS_SENTINEL_NODES!, DEFAULT_PORT.sentinel);
  if (typeof sentinels === "string") problems.push(`REDIS_SENTINEL_NODES: ${sentinels}`);
  const serviceName = env.REDIS_SENTINEL_SERVICE_NAME ?? env.REDIS_SERVICE_NAME;
  if (!serviceName) {
    problems.push("REDIS_SENTINEL_SERVICE_NAME: required with REDIS_SENTINEL_NODES (the name in `sentinel monitor`)");
  }
  if (typeof sentinels === "string" || !serviceName) return { ignored, problems };
  return {
    target: {
      mode: "sentinel",
      sentinels,
      serviceName,
      ...credentials,
      // LiteLLM's rule: without REDIS_PASSWORD the sentinel password opens the master too.
      ...(!env.REDIS_PASSWORD && env.REDIS_SENTINEL_PASSWORD ? { password: env.REDIS_SENTINEL_PASSWORD } : {}),
      ...(env.REDIS_SENTINEL_USERNAME ? { sentinelUsername: env.REDIS_SENTINEL_USERNAME } : {}),
      ...(env.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: env.REDIS_SENTINEL_PASSWORD } : {}),
    },
    ignored,
    problems,
  };
}

/** How the target is described in logs and readiness: addresses only, never a password or a URL's userinfo. */
export function describeRedisTarget(target: RedisTarget): string {
  const list = (nodes: RedisNode[]) => nodes.map((node) => `${node.host}:${node.port}`).join(",");
  if (target.mode === "cluster") return `cluster ${list(target.nodes)}`;
  if (target.mode === "sentinel") return `sentinel ${target.serviceName} via ${list(target.sentinels)}`;
  try {
    const url = new URL(target.url);
    return `${url.protocol}//${url.host}`;
  } catch {
    return "single server";
  }
}
