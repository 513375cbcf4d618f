import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderLocalNginxConfig } from "./nginx-config.js";

export interface LocalNginx {
  process: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/** Runs Debian's nginx in the foreground on the compose nginx.conf, pointed at local replicas. */
export async function startLocalNginx(
  templatePath: string,
  upstreams: string[],
  listenPort: number,
): Promise<LocalNginx> {
  const dir = await mkdtemp(join(tmpdir(), "switchboard-nginx-"));
  const config = renderLocalNginxConfig(await readFile(templatePath, "utf8"), {
    upstreams,
    listenPort,
    pidFile: join(dir, "nginx.pid"),
  });
  const configPath = join(dir, "nginx.conf");
  await writeFile(configPath, config);
  const child = spawn("nginx", ["-p", dir, "-c", configPath, "-e", "stderr", "-g", "daemon off;"], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (error) =>
      reject(new Error(`cannot run nginx (install Debian's nginx-light): ${error.message}`)),
    );
    void exited.then(() => reject(new Error("nginx exited during start-up")));
  });
  await Promise.race([waitForPort(listenPort), failed]);
  return {
    process: child,
    port: listenPort,
    async stop() {
      if (child.exitCode === null) child.kill("SIGQUIT");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/health/liveliness`);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`nothing answered on port ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
