// Drives Prisma's own schema engine (its npm-published Wasm build) so migrations can be authored offline.
// The native schema-engine binary cannot be downloaded on our machines; this drives the Wasm engine instead (README, Development).
import { readFile, readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";

const require = createRequire(import.meta.url);
let runtime;

export const noFilter = { externalTables: [], externalEnums: [] };

export async function withEngine(adapterFactory, fn) {
  if (!runtime) {
    runtime = await import("@prisma/schema-engine-wasm/schema_engine_bg");
    const wasmPath = join(
      dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg")),
      "schema_engine_bg.wasm",
    );
    const instance = new WebAssembly.Instance(new WebAssembly.Module(await readFile(wasmPath)), {
      "./schema_engine_bg.js": runtime,
    });
    runtime.__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start();
  }
  const engine = await runtime.SchemaEngine.new(
    { datamodels: undefined },
    () => {},
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
  try {
    return await fn(engine);
  } finally {
    engine.free();
  }
}

export async function readMigrations(dir = "prisma/migrations") {
  const baseDir = resolve(dir);
  const lockPath = join(baseDir, "migration_lock.toml");
  const names = existsSync(baseDir)
    ? (await readdir(baseDir, { withFileTypes: true }))
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  return {
    baseDir,
    shadowDbInitScript: "",
    lockfile: { path: "migration_lock.toml", content: existsSync(lockPath) ? await readFile(lockPath, "utf8") : null },
    migrationDirectories: await Promise.all(
      names.map(async (name) => ({
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: { tag: "ok", value: await readFile(join(baseDir, name, "migration.sql"), "utf8") },
        },
      })),
    ),
  };
}
