import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const MASTER_KEY_FILE = "master_key";

export interface StoredMasterKey {
  key: string;
  path: string;
  /** True when this start created it; main prints it once, then only its path. */
  generated: boolean;
}

/** Embedded mode only: a single local replica may mint its own admin key and keep it beside its data. */
export async function loadOrCreateMasterKey(dataDir: string): Promise<StoredMasterKey> {
  const path = join(dataDir, MASTER_KEY_FILE);
  try {
    const key = (await readFile(path, "utf8")).trim();
    if (key !== "") return { key, path, generated: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const key = `sk-${randomBytes(24).toString("base64url")}`;
  await writeFile(path, `${key}\n`, { mode: 0o600 });
  return { key, path, generated: true };
}

/** A MASTER_KEY_FILE or SALT_KEY_FILE that is set but cannot be used; main prints the message and exits 1. */
export class KeyFileError extends Error {}

/** The key in a file (Docker-secrets style): its content without the surrounding whitespace; never empty. */
export async function readKeyFile(variable: string, path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new KeyFileError(`${variable}: cannot read ${path} (${code})`);
  }
  const key = text.trim();
  if (key === "") throw new KeyFileError(`${variable}: ${path} is empty`);
  return key;
}

export interface KeySources {
  masterKey?: string;
  saltKey?: string;
  masterKeyFile?: string;
  saltKeyFile?: string;
}

/**
 * Fills a key the environment does not give from its *_FILE: MASTER_KEY beats MASTER_KEY_FILE (so `.env` wins over
 * the keys docker compose's init service generated), and a file named but not needed is not read.
 */
export async function withKeysFromFiles<T extends KeySources>(env: T): Promise<T> {
  const masterKey =
    env.masterKey ?? (env.masterKeyFile ? await readKeyFile("MASTER_KEY_FILE", env.masterKeyFile) : undefined);
  const saltKey = env.saltKey ?? (env.saltKeyFile ? await readKeyFile("SALT_KEY_FILE", env.saltKeyFile) : undefined);
  return { ...env, masterKey, saltKey };
}
