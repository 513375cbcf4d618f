import { describe, expect, it } from "@jest/globals";
import { isDatabaseUnreachable, toStoreError } from "../../src/db/unavailable.js";
import { Prisma } from "../../src/generated/prisma/client.js";
import { ApiError } from "../../src/errors/api-error.js";
import { DatabaseUnavailableError } from "../../src/errors/database-unavailable.js";
import { DuplicateIdError } from "../../src/sync/ports.js";

// Which driver errors become 503 database_unavailable, and which keep their own meaning. The outage tests
// (test/replicas/database-outage.test.ts) meet the real ones; this table pins the rest.

function known(code: string, cause?: Record<string, unknown>): Prisma.PrismaClientKnownRequestError {
  const meta = cause ? { driverAdapterError: { name: "DriverAdapterError", cause } } : undefined;
  return new Prisma.PrismaClientKnownRequestError("failed", { code, clientVersion: "test", meta });
}

describe("isDatabaseUnreachable", () => {
  it.each([
    ["a server that cannot be reached", known("P1001")],
    ["a raw query whose adapter says the server is unreachable", known("P2010", { kind: "DatabaseNotReachable" })],
    ["a connection closed under a query", known("P2010", { kind: "ConnectionClosed" })],
    ["a dropped database", known("P2010", { kind: "DatabaseDoesNotExist" })],
    ["the server shutting down", known("P2010", { kind: "postgres", originalCode: "57P01" })],
    ["a transaction that could not start in time", known("P2028")],
    ["a socket cut mid-query", new Error("Connection terminated unexpectedly")],
    ["a connect that timed out", new Error("timeout expired")],
    ["a query that timed out", new Error("Query read timeout")],
    [
      "a refused connection, from pg itself",
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
    ],
  ])("says yes for %s", (_what, error) => {
    expect(isDatabaseUnreachable(error)).toBe(true);
    expect(toStoreError(error)).toBeInstanceOf(DatabaseUnavailableError);
  });

  it.each([
    ["a unique violation", known("P2002")],
    ["a raw query's own SQL error", known("P2010", { kind: "postgres", originalCode: "22P02" })],
    ["a domain error that uses pg's words", ApiError.badRequest("Connection terminated unexpectedly")],
    ["a duplicate id", new DuplicateIdError("m1")],
    ["a thrown string", "Connection terminated"],
    ["a file that is not there", Object.assign(new Error("no such file"), { code: "ENOENT" })],
  ])("says no for %s, which keeps its own meaning", (_what, error) => {
    expect(isDatabaseUnreachable(error)).toBe(false);
    expect(toStoreError(error)).toBe(error);
  });
});
