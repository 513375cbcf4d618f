/**
 * The database could not be reached (refused, cut, timed out, gone) while serving a request. The storage adapter
 * throws it in place of its driver's error so that the error handler can answer 503 `database_unavailable` without
 * knowing which driver is behind the ports. The driver's error stays as `cause`, for the log only.
 */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super("The database is unreachable", { cause });
    this.name = "DatabaseUnavailableError";
  }
}
