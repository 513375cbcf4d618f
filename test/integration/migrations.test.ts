import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { openDatabase } from "../../src/db/database.js";
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
    const replicas = [1, 2, 3].map(() => openDatabase({ databaseUrl: db.url, dataDir: "" }));
    try {
      const results = await Promise.all(replicas.map((replica) => replica.migrate()));
      const appliedCounts = results.map((result) => result.applied.length).sort();
      expect(appliedCounts).toEqual([0, 0, 1]);
      const rows = await db.query<{ migration_name: string; finished_at: Date | null }>(
        `SELECT migration_name, finished_at FROM "_prisma_migrations"`,
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.finished_at).not.toBeNull();
      expect((await replicas[0]!.migrate()).applied).toEqual([]);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });
});
