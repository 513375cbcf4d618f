import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { defaultMigrationsDir, openDatabase } from "../../src/db/database.js";
import { readMigrationFiles } from "../../src/db/migrate.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ empty: true });
});

afterAll(async () => {
  await db.drop();
});

describe("migrations", () => {
  it("apply once when several replicas start at the same time, and are a no-op afterwards", async () => {
    const replicas = await Promise.all([1, 2, 3].map(() => openDatabase({ databaseUrl: db.url, dataDir: "" })));
    try {
      const results = await Promise.all(replicas.map((replica) => replica.migrate()));
      const appliedCounts = results.map((result) => result.applied.length).sort();
      const expected = (await readMigrationFiles(defaultMigrationsDir)).length;
      expect(appliedCounts).toEqual([0, 0, expected]);
      const rows = await db.query<{ migration_name: string; finished_at: Date | null }>(
        `SELECT migration_name, finished_at FROM "_prisma_migrations"`,
      );
      expect(rows).toHaveLength(expected);
      expect(rows.every((row) => row.finished_at !== null)).toBe(true);
      expect((await replicas[0]!.migrate()).applied).toEqual([]);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });
});
