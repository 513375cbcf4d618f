import { Prisma } from "../generated/prisma/client.js";
import { DatabaseUnavailableError } from "../errors/database-unavailable.js";

// Which driver errors mean "PostgreSQL cannot be reached right now", as opposed to a bad query or a constraint: the
// first become DatabaseUnavailableError (503 database_unavailable, retry later), the rest keep their own handling.

/** Prisma's own codes for a server it cannot reach, a connection it lost, or a pool or transaction it timed out on. */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028"]);

/** @prisma/adapter-pg's kinds for the same (a dropped database included: nothing can be written there either). */
const ADAPTER_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
  "DatabaseDoesNotExist",
  "TlsConnectionError",
]);

/** Node's socket errors, as pg passes them on when a query goes through the driver itself (queryRows). */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"]);

/** SQLSTATE classes 08 (connection exception) and 57P (the server shutting down, crashed or still starting). */
const SQLSTATE = /^(08|57P)/;

/**
 * pg's client-side failures carry no code, only these messages (a socket cut mid-query, the connect or query
 * timeouts of database.ts, a client whose connection already broke). adapter-pg passes them through unchanged.
 */
const PG_MESSAGES = [
  "Connection terminated",
  "timeout expired",
  "timeout exceeded when trying to connect",
  "Query read timeout",
  "is not queryable",
];

interface AdapterCause {
  kind?: unknown;
  originalCode?: unknown;
  code?: unknown;
}

function adapterCause(error: Prisma.PrismaClientKnownRequestError): AdapterCause | undefined {
  const meta = error.meta as { driverAdapterError?: { cause?: AdapterCause } } | undefined;
  return meta?.driverAdapterError?.cause;
}

function isUnreachableSqlState(code: unknown): boolean {
  return typeof code === "string" && SQLSTATE.test(code);
}

/** Whether this error says the database cannot be reached (rather than that the request or the data is wrong). */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (PRISMA_CODES.has(error.code)) return true;
    const cause = adapterCause(error);
    if (!cause) return false;
    return (
      (typeof cause.kind === "string" && ADAPTER_KINDS.has(cause.kind)) ||
      isUnreachableSqlState(cause.originalCode) ||
      isUnreachableSqlState(cause.code)
    );
  }
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (isUnreachableSqlState(code) || (typeof code === "string" && SOCKET_CODES.has(code))) return true;
  // Only pg's own plain Errors (as adapter-pg passes them on, or as Prisma wraps them unclassified) are read by their
  // message: never a domain error that happens to use the words.
  const plain =
    Object.getPrototypeOf(error) === Error.prototype || error instanceof Prisma.PrismaClientUnknownRequestError;
  return plain && PG_MESSAGES.some((text) => error.message.includes(text));
}

/** The error as the stores throw it: DatabaseUnavailableError when the database cannot be reached, else unchanged. */
export function toStoreError(error: unknown): unknown {
  return !(error instanceof DatabaseUnavailableError) && isDatabaseUnreachable(error)
    ? new DatabaseUnavailableError(error)
    : error;
}

type AsyncMethods<Store> = {
  [Name in keyof Store]: Store[Name] extends (...args: never[]) => Promise<unknown> ? Store[Name] : never;
};

/**
 * The same store, with every method's unreachable-database failure turned into DatabaseUnavailableError. Applied to
 * each store's whole surface, so a method added later is covered without anyone remembering to.
 */
export function guardStore<Store extends AsyncMethods<Store>>(store: Store): Store {
  const guarded = { ...store };
  for (const name of Object.keys(store) as Array<keyof Store>) {
    const method = store[name] as (...args: unknown[]) => Promise<unknown>;
    const wrapped = (...args: unknown[]) =>
      method.apply(store, args).catch((error: unknown) => {
        throw toStoreError(error);
      });
    guarded[name] = wrapped as Store[typeof name];
  }
  return guarded;
}
