import { parseArgs } from "node:util";

export interface CliArgs {
  configPath?: string;
  port?: number;
  help: boolean;
}

export const usage = `Usage: switchboard [--config PATH] [--port PORT]

  --config PATH   LiteLLM-format config file (default: $CONFIG_FILE_PATH or ./config.yaml)
  --port PORT     port to listen on (default: $PORT or 4000)
  --help          show this help`;

/** `switchboard --config config.yaml --port 4000`, as `litellm --config` takes it. */
export function parseCliArgs(argv: string[]): CliArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string", short: "c" },
      port: { type: "string", short: "p" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new Error(`--port must be a whole number from 0 to 65535, got "${values.port}"`);
  }
  return { configPath: values.config, port, help: values.help ?? false };
}
