// bench:scale's embedded-mode rows (issue #15): `npm start` in a checkout, on the shipped config.yaml and a new data
// directory (a first start after `npm ci`: no DATABASE_URL, no REDIS_URL, no MASTER_KEY), until /health/liveliness
// answers; then the replica's resident memory after it has idled.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";

export interface EmbeddedStart {
  liveMs: number;
  idleRssMb: number;
}

/** VmRSS of one process, in MB. */
export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(/(\d+)/.exec(line ?? "")?.[1] ?? 0) / 1024;
}

/** npm runs the replica two processes down (npm → sh → node): found by its command line among the descendants. */
function replicaPid(rootPid: number): number | undefined {
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.shift()!;
    const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, "utf8") : "";
    if (pid !== rootPid && cmdline.split("\0").includes("dist/main.js")) return pid;
    const childrenFile = `/proc/${pid}/task/${pid}/children`;
    if (existsSync(childrenFile))
      pending.push(...readFileSync(childrenFile, "utf8").split(" ").filter(Boolean).map(Number));
  }
  return undefined;
}

export async function measureEmbeddedStart(checkout: string, idleSeconds: number): Promise<EmbeddedStart> {
  const dataDir = await mkdtemp(join(tmpdir(), "sb-bench-embedded-"));
  const port = await freePort();
  const started = performance.now();
  // Its own process group, so that npm, its shell and the replica stop together.
  const npm = spawn("npm", ["start", "--silent"], {
    cwd: checkout,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: String(port), DATA_DIR: dataDir },
    stdio: "ignore",
    detached: true,
  });
  try {
    for (;;) {
      if (npm.exitCode !== null) throw new Error(`npm start exited with ${npm.exitCode}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health/liveliness`);
        await res.arrayBuffer();
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 60_000) throw new Error("embedded replica not live within 60 s");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const liveMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const pid = replicaPid(npm.pid!);
    if (pid === undefined) throw new Error("the replica's process was not found under npm start");
    return { liveMs, idleRssMb: rssMb(pid) };
  } finally {
    if (npm.exitCode === null) {
      const exited = new Promise((resolve) => npm.once("exit", resolve));
      process.kill(-npm.pid!, "SIGTERM");
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}
