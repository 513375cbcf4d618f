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
