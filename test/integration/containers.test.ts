import { execFile } from "node:child_process";
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { parse } from "yaml";
import { repoRoot, startChildReplica } from "../helpers/child-replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

// docker compose without a .env: the init-keys script the compose file runs, the replicas reading what it wrote, and
// the compose file itself as Debian's docker-compose reads it (there is no Docker engine here to run it).

const run = promisify(execFile);
const INIT_KEYS = join(repoRoot, "docker/init-keys.mjs");

/** The environment without the variables under test, so the machine running the tests cannot change the answer. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ["MASTER_KEY", "SALT_KEY", "LITELLM_MASTER_KEY", "LITELLM_SALT_KEY"]) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

async function initKeys(dir: string, env: Record<string, string> = {}): Promise<string> {
  const result = await run(process.execPath, [INIT_KEYS, dir], { env: cleanEnv(env) });
  return result.stdout + result.stderr;
}

let tmp: string;
let db: TestDatabase;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "sb-containers-"));
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
  await rm(tmp, { recursive: true, force: true });
});

describe("docker/init-keys.mjs", () => {
  it("generates owner-only keys and prints the master key on the first run only; a second run changes nothing", async () => {
    const dir = join(tmp, "keys-twice");
    const first = await initKeys(dir);
    const masterKey = (await readFile(join(dir, "master_key"), "utf8")).trim();
    const saltKey = (await readFile(join(dir, "salt_key"), "utf8")).trim();
    expect(masterKey).toMatch(/^sk-[\w-]{30,}$/);
    expect(saltKey).toMatch(/^[\w-]{40,}$/);
    expect(first).toContain(masterKey);
    expect(first).not.toContain(saltKey);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, "master_key"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "salt_key"))).mode & 0o777).toBe(0o600);

    const second = await initKeys(dir);
    expect(second).not.toContain(masterKey);
    expect(second).toContain("already in");
    expect((await readFile(join(dir, "master_key"), "utf8")).trim()).toBe(masterKey);
    expect((await readFile(join(dir, "salt_key"), "utf8")).trim()).toBe(saltKey);
  });

  it("writes and prints nothing for a key the environment (.env) gives", async () => {
    const dir = join(tmp, "keys-from-env");
    const output = await initKeys(dir, { MASTER_KEY: "sk-from-dot-env-123456", SALT_KEY: "salt-from-dot-env" });
    await expect(stat(join(dir, "master_key"))).rejects.toThrow("ENOENT");
    await expect(stat(join(dir, "salt_key"))).rejects.toThrow("ENOENT");
    expect(output).not.toContain("sk-from-dot-env-123456");
    expect(output).not.toContain("salt-from-dot-env");
  });
});

describe("a replica with MASTER_KEY_FILE and SALT_KEY_FILE", () => {
  it("uses the generated keys when MASTER_KEY and SALT_KEY are unset, and MASTER_KEY over the file when set", async () => {
    const dir = join(tmp, "keys-for-replica");
    await initKeys(dir);
    const generated = (await readFile(join(dir, "master_key"), "utf8")).trim();
    const files = { MASTER_KEY_FILE: join(dir, "master_key"), SALT_KEY_FILE: join(dir, "salt_key") };
    const listModels = (port: number, key: string) =>
      fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { Authorization: `Bearer ${key}` } }).then(
        (r) => r.status,
      );

    const fromFiles = await startChildReplica(["--port", "0"], { DATABASE_URL: db.url, MASTER_KEY: "", ...files });
    try {
      expect(await listModels(fromFiles.port, generated)).toBe(200);
      expect(await listModels(fromFiles.port, "sk-some-other-key-1234")).toBe(401);
    } finally {
      expect(await fromFiles.stop()).toBe(0);
    }
    expect(fromFiles.output()).not.toContain("SALT_KEY is not set");
    expect(fromFiles.output()).not.toContain(generated);

    const envWins = await startChildReplica(["--port", "0"], {
      DATABASE_URL: db.url,
      MASTER_KEY: "sk-from-dot-env-123456",
      ...files,
    });
    try {
      expect(await listModels(envWins.port, "sk-from-dot-env-123456")).toBe(200);
      expect(await listModels(envWins.port, generated)).toBe(401);
    } finally {
      expect(await envWins.stop()).toBe(0);
    }
  });

  it("refuses to start when MASTER_KEY_FILE names a missing file, saying which", async () => {
    const missing = join(tmp, "nowhere/master_key");
    const result = await run(process.execPath, [join(repoRoot, "bin/switchboard.js")], {
      env: cleanEnv({ DATABASE_URL: db.url, MASTER_KEY_FILE: missing }),
    }).catch((error: { code: number; stderr: string }) => error);
    expect(result).toMatchObject({ code: 1 });
    expect((result as { stderr: string }).stderr).toContain(`MASTER_KEY_FILE: cannot read ${missing} (ENOENT)`);
  });
});

/** A project folder with the compose file and what it mounts, with or without a .env, as a fresh clone has it. */
async function composeProject(name: string, dotEnv?: string): Promise<string> {
  const dir = join(tmp, name);
  await mkdir(dir, { recursive: true });
  await copyFile(join(repoRoot, "docker-compose.yml"), join(dir, "docker-compose.yml"));
  await copyFile(join(repoRoot, "config.yaml"), join(dir, "config.yaml"));
  await cp(join(repoRoot, "nginx"), join(dir, "nginx"), { recursive: true });
  if (dotEnv !== undefined) await writeFile(join(dir, ".env"), dotEnv);
  return dir;
}

interface ComposeService {
  environment?: Record<string, string>;
  command?: string[];
  volumes?: string[];
}

async function composeConfig(dir: string): Promise<Record<string, ComposeService>> {
  const options = { cwd: dir, env: cleanEnv() };
  const check = await run("docker-compose", ["config", "-q"], options);
  expect(check.stderr).toBe("");
  const { stdout } = await run("docker-compose", ["config"], options);
  return (parse(stdout) as { services: Record<string, ComposeService> }).services;
}

describe("docker-compose.yml", () => {
  it("validates without a .env: the replicas read the keys init-keys writes into the shared volume", async () => {
    const services = await composeConfig(await composeProject("compose-bare"));
    expect(services["init-keys"]?.command).toEqual(["node", "docker/init-keys.mjs", "/keys"]);
    for (const name of ["switchboard-1", "switchboard-2", "switchboard-3"]) {
      expect(services[name]?.environment).toMatchObject({
        MASTER_KEY: "",
        SALT_KEY: "",
        MASTER_KEY_FILE: "/keys/master_key",
        SALT_KEY_FILE: "/keys/salt_key",
      });
      expect(services[name]?.volumes?.some((volume) => volume.startsWith("switchboard-keys:/keys"))).toBe(true);
    }
  });

  it("validates with a .env, whose MASTER_KEY and SALT_KEY reach the init service and every replica", async () => {
    const dir = await composeProject(
      "compose-dotenv",
      "MASTER_KEY=sk-from-dot-env-123456\nSALT_KEY=salt-from-dot-env\n",
    );
    const services = await composeConfig(dir);
    for (const name of ["init-keys", "switchboard-1", "switchboard-2", "switchboard-3"]) {
      expect(services[name]?.environment).toMatchObject({
        MASTER_KEY: "sk-from-dot-env-123456",
        SALT_KEY: "salt-from-dot-env",
      });
    }
  });

  it("runs a script the image contains, in folders the image gives the non-root user", async () => {
    const dockerfile = await readFile(join(repoRoot, "Dockerfile"), "utf8");
    expect(dockerfile).toContain("COPY --chown=node:node docker/init-keys.mjs ./docker/");
    expect(dockerfile).toMatch(/chown node:node \/data \/keys/);
    expect(dockerfile).toMatch(/ENV .*DATA_DIR=\/data/);
  });
});
