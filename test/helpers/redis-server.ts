import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { eventually } from "./eventually.js";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A private redis-server for tests that stop and restart Redis; the shared one stays untouched. */
export class PrivateRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: "ignore",
      },
    );
    await eventually(() => this.ping(), 10_000, 50);
  }

  /** A bare RESP PING over a socket: no client library, so no reconnect timers outlive the check. */
  private ping(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.port, "127.0.0.1");
      socket.setTimeout(1000, () => socket.destroy(new Error("ping timed out")));
      socket.once("error", reject);
      socket.once("connect", () => socket.write("PING\r\n"));
      socket.once("data", (data) => {
        socket.destroy();
        if (data.toString().startsWith("+PONG")) resolve();
        else reject(new Error(`unexpected reply ${data.toString()}`));
      });
    });
  }

  /** Like a crash: no goodbye to the clients. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    this.child = undefined;
  }
}

// Sentinel and Cluster topologies of private redis-server processes (Debian's binary runs a sentinel with
// --sentinel and a cluster node with cluster-enabled), each in its own temporary directory, for failover tests.

/** One command on a short-lived connection that never reconnects, so nothing outlives the call. */
export async function redisCommand(port: number, command: string, ...args: Array<string | number>): Promise<unknown> {
  const redis = new Redis({
    port,
    host: "127.0.0.1",
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return await redis.call(command, ...args);
  } finally {
    redis.disconnect();
  }
}

/** One redis-server process (a server, a sentinel or a cluster node); kill() is kill -9. */
export class RedisProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<unknown>;

  constructor(
    readonly port: number,
    args: string[],
  ) {
    const child = spawn("redis-server", args, { stdio: "ignore" });
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", resolve));
  }

  async ready(): Promise<void> {
    await eventually(() => redisCommand(this.port, "PING"), 10_000, 50);
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }
}

function serverArgs(port: number, dir: string): string[] {
  return ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir];
}

export const SENTINEL_SERVICE = "switchboard-test";

/**
 * A master, one replica and three sentinels (quorum 2) with short timeouts, so that a killed master is replaced
 * within seconds. Sentinels rewrite their config file, so each gets its own in the temporary directory.
 */
export class PrivateSentinels {
  private constructor(
    private readonly dir: string,
    readonly master: RedisProcess,
    readonly replica: RedisProcess,
    readonly sentinels: RedisProcess[],
  ) {}

  static async start(): Promise<PrivateSentinels> {
    const dir = await mkdtemp(join(tmpdir(), "switchboard-sentinel-"));
    const masterPort = await freePort();
    const master = new RedisProcess(masterPort, serverArgs(masterPort, dir));
    await master.ready();
    const replicaPort = await freePort();
    const replica = new RedisProcess(replicaPort, [
      ...serverArgs(replicaPort, dir),
      "--replicaof",
      "127.0.0.1",
      String(masterPort),
    ]);
    await replica.ready();
    const sentinels: RedisProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const file = join(dir, `sentinel-${port}.conf`);
      await writeFile(
        file,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          `sentinel monitor ${SENTINEL_SERVICE} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_SERVICE} 1000`,
          `sentinel failover-timeout ${SENTINEL_SERVICE} 3000`,
          `sentinel parallel-syncs ${SENTINEL_SERVICE} 1`,
          "",
        ].join("\n"),
      );
      sentinels.push(new RedisProcess(port, [file, "--sentinel"]));
    }
    const topology = new PrivateSentinels(dir, master, replica, sentinels);
    try {
      await Promise.all(sentinels.map((sentinel) => sentinel.ready()));
      await topology.settled();
    } catch (error) {
      await topology.stop();
      throw error;
    }
    return topology;
  }

  /** LiteLLM's REDIS_SENTINEL_NODES format: a JSON list of [host, port]. */
  get nodesJson(): string {
    return JSON.stringify(this.sentinels.map((sentinel) => ["127.0.0.1", sentinel.port]));
  }

  /** The port the sentinels name as master now. */
  async masterPort(): Promise<number> {
    const reply = (await redisCommand(
      this.sentinels[0]!.port,
      "SENTINEL",
      "get-master-addr-by-name",
      SENTINEL_SERVICE,
    )) as [string, string] | null;
    if (!reply) throw new Error("sentinels know no master");
    return Number(reply[1]);
  }

  /** Every sentinel sees the replica and the two other sentinels, so a failover can be agreed on. */
  private async settled(): Promise<void> {
    await eventually(
      async () => {
        for (const sentinel of this.sentinels) {
          const flat = (await redisCommand(sentinel.port, "SENTINEL", "master", SENTINEL_SERVICE)) as string[];
          const info = new Map<string, string>();
          for (let i = 0; i + 1 < flat.length; i += 2) info.set(flat[i]!, flat[i + 1]!);
          if (info.get("num-slaves") !== "1" || info.get("num-other-sentinels") !== "2") {
            throw new Error(`sentinel ${sentinel.port} not settled: ${JSON.stringify(Object.fromEntries(info))}`);
          }
        }
        const role = (await redisCommand(this.replica.port, "ROLE")) as [string, string, number, string];
        if (role[3] !== "connected") throw new Error(`replica not in sync: ${role[3]}`);
      },
      20_000,
      100,
    );
  }

  async stop(): Promise<void> {
    await Promise.all([this.master, this.replica, ...this.sentinels].map((process) => process.kill()));
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Whether this redis-cli can create a cluster (`--cluster create`, Redis 5 and later). */
export async function redisCliCanCreateClusters(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn("redis-cli", ["--cluster", "help"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", () => resolve(false));
    child.once("exit", () => resolve(output.includes("create")));
  });
}

/** Three cluster masters (no replicas) sharing the 16384 slots, made with `redis-cli --cluster create`. */
export class PrivateCluster {
  private constructor(
    private readonly dir: string,
    readonly nodes: RedisProcess[],
  ) {}

  static async start(): Promise<PrivateCluster> {
    const dir = await mkdtemp(join(tmpdir(), "switchboard-cluster-"));
    const nodes: RedisProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      // The bus port must be free too; port + 10000 (the default) may not be.
      const busPort = await freePort();
      nodes.push(
        new RedisProcess(port, [
          ...serverArgs(port, dir),
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          join(dir, `nodes-${port}.conf`),
          "--cluster-port",
          String(busPort),
          "--cluster-node-timeout",
          "2000",
        ]),
      );
    }
    const cluster = new PrivateCluster(dir, nodes);
    try {
      await Promise.all(nodes.map((node) => node.ready()));
      await cluster.create();
      await eventually(
        async () => {
          for (const node of nodes) {
            const info = (await redisCommand(node.port, "CLUSTER", "INFO")) as string;
            if (!info.includes("cluster_state:ok")) throw new Error(`node ${node.port} not ok`);
          }
        },
        20_000,
        100,
      );
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** LiteLLM's REDIS_CLUSTER_NODES format: a JSON list of {host, port}. */
  get nodesJson(): string {
    return JSON.stringify(this.nodes.map((node) => ({ host: "127.0.0.1", port: node.port })));
  }

  private create(): Promise<void> {
    const addresses = this.nodes.map((node) => `127.0.0.1:${node.port}`);
    return new Promise((resolve, reject) => {
      const child = spawn("redis-cli", ["--cluster", "create", ...addresses, "--cluster-yes"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.once("error", reject);
      child.once("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`redis-cli --cluster create failed (${code}):\n${output}`)),
      );
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill()));
    await rm(this.dir, { recursive: true, force: true });
  }
}
