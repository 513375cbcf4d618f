import { describe, expect, it } from "@jest/globals";

// The unit project's promise (jest.config.js): nothing a unit test imports reaches PostgreSQL, Redis, the build or a
// child process. Reaching one fails at import, so a test that needs a service cannot pass here by accident.
describe("the unit project", () => {
  it.each([
    ["PostgreSQL (pg, Prisma)", "../../src/db/postgres-database.js"],
    ["PGlite", "../../src/db/embedded-database.js"],
    ["Redis (ioredis)", "../../src/redis/redis-change-bus.js"],
    ["the build in dist/", "../../dist/main.js"],
    ["a child process", "../helpers/child-replica.js"],
  ])("refuses a module that needs %s", async (_what, path) => {
    await expect(import(path)).rejects.toThrow("A unit test imported a module that needs");
  });
});
