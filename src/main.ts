// First, so that its V8 setting is in force before the other modules load.
import { startUpFinished } from "./config/runtime-tuning.js";
import type { Server } from "node:http";
import { createApp } from "./app.js";
import { ConfigFileError } from "./config/config-file.js";
import { parseCliArgs, usage } from "./config/cli-args.js";
import { EnvError } from "./config/env.js";
import { type Config, loadConfig, StartupError } from "./config/load-config.js";
import { createDeps } from "./deps.js";
import { createHttpServer } from "./http/server.js";
import { KeyFileError } from "./config/master-key.js";
import { chooseLogFormat } from "./logging/log-format.js";
import { createLogger, type Logger } from "./logging/logger.js";

// The only entry point and the only file that exits the process.

function describeStartupFailure(error: unknown): string | undefined {
  if (
    error instanceof ConfigFileError ||
    error instanceof EnvError ||
    error instanceof StartupError ||
    error instanceof KeyFileError
  )
    return error.message;
  return undefined;
}

function announceMode(config: Config, logger: Logger): void {
  if (config.storageMode === "embedded") {
    logger.info(
      { dataDir: config.env.dataDir },
      "running as a single replica on the embedded database; to scale out, set DATABASE_URL (PostgreSQL) and REDIS_URL on every replica",
    );
  } else if (!config.env.redis) {
    logger.warn(
      "REDIS_URL (or Sentinel/Cluster) is not set: other replicas will see changes only at the periodic revision check",
    );
  }
  // Log lines are written in batches; the start-up ones should show at once, and before the banner.
  logger.flush();
  if (config.generatedMasterKeyPath) {
    // Shown once, on the start that created it; later starts only name the file.
    process.stdout.write(
      `\nGenerated a master key for this embedded instance (stored in ${config.generatedMasterKeyPath}):\n\n    ${config.masterKey}\n\n`,
    );
  }
}

async function main(): Promise<void> {
  const cli = parseCliArgs(process.argv.slice(2));
  if (cli.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const config = await loadConfig(process.env, cli);
  const format = chooseLogFormat(config.env.logFormat, process.stdout.isTTY);
  const logger = createLogger({ level: config.env.logLevel, format });
  for (const warning of config.warnings) logger.warn(warning);
  const replica = await createDeps(config, { logger });
  const app = createApp(replica.deps);
  const server: Server = createHttpServer(app, config.env.server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject); // EADDRINUSE and friends
    server.listen(config.env.port, config.env.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.env.port;
  logger.info({ port, models: replica.deps.registry.all().length }, `Switchboard listening on port ${port}`);
  announceMode(config, logger);
  startUpFinished();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.env.shutdownGraceMs }, "shutting down: draining in-flight requests");
    // Readiness answers 503 from now on and no new connection is accepted; in-flight requests and streams get
    // the grace period, and each keep-alive connection is closed as soon as it falls idle.
    replica.startDraining();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const reaper = setInterval(() => server.closeIdleConnections(), 50);
    const forced = setTimeout(() => server.closeAllConnections(), config.env.shutdownGraceMs);
    forced.unref();
    await closed;
    clearInterval(reaper);
    clearTimeout(forced);
    await replica.close();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  const known = describeStartupFailure(error);
  if (known) {
    process.stderr.write(`switchboard: ${known}\n`);
  } else {
    process.stderr.write(`switchboard: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
