#!/usr/bin/env node
// docker compose's one-shot `init-keys` service: makes sure the replicas have a master key and a salt key without a
// `.env` file. Usage: node docker/init-keys.mjs [keys-dir] (default: $KEYS_DIR, else /keys).
//
// - A key given in the environment (MASTER_KEY, SALT_KEY: from `.env`) wins: no file is written for it, and the
//   replicas use the variable over the file (MASTER_KEY beats MASTER_KEY_FILE).
// - Otherwise a missing key is generated into keys-dir/master_key or keys-dir/salt_key, owner-only (0600, in a 0700
//   folder), owned by whoever runs this: in the image, the same non-root user as the replicas.
// - The master key is printed once, by the run that generates it; later runs (every `docker compose up`) find the
//   files, print only where they are, and change nothing. The salt key is never printed.
// Plain Node with no dependency, so it runs from the image, from a checkout or in a test.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? process.env.KEYS_DIR ?? "/keys";

const KEYS = [
  {
    name: "master key",
    file: "master_key",
    variable: "MASTER_KEY",
    make: () => `sk-${randomBytes(24).toString("base64url")}`,
    show: true,
  },
  {
    name: "salt key",
    file: "salt_key",
    variable: "SALT_KEY",
    make: () => randomBytes(32).toString("base64url"),
    show: false,
  },
];

function storedKey(path) {
  return existsSync(path) ? readFileSync(path, "utf8").trim() : "";
}

/** Written beside its final name, then renamed: a replica never reads half a key. */
function writeKey(path, key) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${key}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

mkdirSync(dir, { recursive: true, mode: 0o700 });
chmodSync(dir, 0o700);
for (const key of KEYS) {
  const path = join(dir, key.file);
  if ((process.env[key.variable] ?? "").trim() !== "") {
    console.log(`init-keys: ${key.variable} is set (from .env): using it; ${path} is not written`);
    continue;
  }
  if (storedKey(path) !== "") {
    console.log(`init-keys: the ${key.name} is already in ${path}; not changed`);
    continue;
  }
  const value = key.make();
  writeKey(path, value);
  if (key.show) {
    console.log(
      `init-keys: generated a ${key.name} in ${path} (shown this once; it is the admin key):\n\n    ${value}\n`,
    );
  } else {
    console.log(`init-keys: generated a ${key.name} in ${path}; keep a copy: stored secrets cannot be read without it`);
  }
}
