import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "../..");

export interface ChildReplica {
  child: ChildProcess;
  port: number;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function launch(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [join(repoRoot, "bin/switchboard.js"), ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/** Runs the built CLI to completion (for start-up failures). */
export async function runCli(args: string[], env: Record<string, string>, timeoutMs = 20_000): Promise<RunResult> {
  const run = launch(args, env);
  const timer = setTimeout(() => run.child.kill("SIGKILL"), timeoutMs);
  const code = await run.exited;
  clearTimeout(timer);
  return { code, ...run.output() };
}

/** Starts the built CLI (dist/, via bin/switchboard.js) and waits until it logs its port. */
export async function startChildReplica(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<ChildReplica> {
  const run = launch(args, env);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`replica did not start:\n${JSON.stringify(run.output())}`)),
      timeoutMs,
    );
    const poll = setInterval(() => {
      const match = /"msg":"Switchboard listening on port (\d+)"/.exec(run.output().stdout);
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    }, 20);
    void run.exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`replica exited with ${code} before listening:\n${JSON.stringify(run.output())}`));
    });
  });
  return {
    child: run.child,
    port,
    output: () => {
      const { stdout, stderr } = run.output();
      return stdout + stderr;
    },
    exited: run.exited,
    stop: async (signal = "SIGTERM") => {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill(signal);
      return run.exited;
    },
  };
}
