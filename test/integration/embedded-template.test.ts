import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { openEmbedded, seedFromTemplate } from "../../src/db/embedded-database.js";
import { defaultMigrationsDir } from "../../src/db/database-parts.js";

// The build (`npm run build`, which `npm run test:integration` runs when stale) makes dist/embedded-template.
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "sb-template-"));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const migrationNames = () => readdirSync(defaultMigrationsDir, { withFileTypes: true }).filter((e) => e.isDirectory());

describe("the embedded database's build template", () => {
  it("a new data directory starts as the built database, with every migration already applied", async () => {
    const dataDir = join(scratch, "fresh");
    const database = openEmbedded(dataDir);
    try {
      expect(await database.migrate()).toEqual(expect.objectContaining({ applied: [] }));
      const rows = await database.queryRows<{ migration_name: string }>(
        "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name",
      );
      expect(rows.map((row) => row.migration_name)).toEqual(
        migrationNames()
          .map((entry) => entry.name)
          .sort(),
      );
    } finally {
      await database.close();
    }
    // Nothing is left beside it from the copy.
    expect(await readdir(dataDir)).toEqual(["pglite"]);
  });

  it("copies only into a directory that does not exist yet", async () => {
    const template = join(scratch, "template");
    await mkdir(template);
    await writeFile(join(template, "PG_VERSION"), "17\n");

    const target = join(scratch, "seeded", "pglite");
    await mkdir(join(scratch, "seeded"));
    expect(seedFromTemplate(target, template)).toBe(true);
    expect(await readdir(target)).toEqual(["PG_VERSION"]);
    expect(await readdir(join(scratch, "seeded"))).toEqual(["pglite"]);

    const existing = join(scratch, "existing");
    await mkdir(existing);
    await writeFile(join(existing, "mine"), "kept");
    expect(seedFromTemplate(existing, template)).toBe(false);
    expect(await readdir(existing)).toEqual(["mine"]);
  });

  it("leaves the directory to PGlite's own initdb when there is no template", () => {
    const target = join(scratch, "untemplated", "pglite");
    expect(seedFromTemplate(target, join(scratch, "no-such-template"))).toBe(false);
    expect(existsSync(target)).toBe(false);
  });
});
