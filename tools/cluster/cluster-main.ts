import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { startLocalNginx, type LocalNginx } from "./local-nginx.js";

// `npm run cluster`: the docker-compose topology as local processes — three replicas on 4001–4003 against the
// local PostgreSQL and Redis, and Debian's nginx on 4000 with the compose nginx.conf. Ctrl-C stops them all.

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const LB_PORT = Number(process.env.CLUSTER_PORT ?? 4000);
const FIRST_REPLICA_PORT = Number(process.env.CLUSTER_FIRST_REPLICA_PORT ?? 4001);
const REPLICAS = 3;
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/switchboard_cluster";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const MASTER_KEY = process.env.MASTER_KEY ?? "sk-cluster-local-dev-key";

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

function startReplica(port: number): ChildProcess {
  const child = spawn(process.execPath, [join(root, "dist/main.js")], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL,
      REDIS_URL,
      MASTER_KEY,
      SALT_KEY: process.env.SALT_KEY ?? "cluster-local-dev-salt",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const tag = `[replica ${port}] `;
  for (const stream of [child.stdout, child.stderr]) {
    stream.on("data", (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, tag)));
  }
  return child;
}

async function waitReady(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`replica on ${port} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/readiness`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`replica on ${port} did not become ready`);
}

async function main(): Promise<void> {
  await ensureDatabase(DATABASE_URL);
  const ports = Array.from({ length: REPLICAS }, (_, i) => FIRST_REPLICA_PORT + i);
  const replicas = ports.map(startReplica);
  let nginx: LocalNginx | undefined;
  const stop = async () => {
    for (const child of replicas) if (child.exitCode === null) child.kill("SIGTERM");
    await nginx?.stop();
    await Promise.all(
      replicas.map((child) =>
        child.exitCode === null ? new Promise((r) => child.once("exit", r)) : Promise.resolve(),
      ),
    );
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
  try {
    await Promise.all(ports.map((port, i) => waitReady(port, replicas[i]!)));
    nginx = await startLocalNginx(
      join(root, "nginx/nginx.conf"),
      ports.map((port) => `127.0.0.1:${port}`),
      LB_PORT,
    );
  } catch (error) {
    process.stderr.write(`cluster: ${(error as Error).message}\n`);
    await stop();
    return;
  }
  process.stdout.write(
    `\nSwitchboard cluster up: load balancer http://127.0.0.1:${LB_PORT} -> replicas ${ports.join(", ")}\n` +
      `Master key: ${MASTER_KEY === "sk-cluster-local-dev-key" ? MASTER_KEY + " (local default; set MASTER_KEY to change)" : "from MASTER_KEY"}\n` +
      "Ctrl-C stops everything.\n\n",
  );
}

void main();
