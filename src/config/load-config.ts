import { type ConfigFile, loadConfigFile } from "./config-file.js";
import { type Env, parseEnv } from "./env.js";
import { loadOrCreateMasterKey, withKeysFromFiles } from "./master-key.js";
import type { CliArgs } from "./cli-args.js";
import { type RequestLimits, requestLimits } from "./request-limits.js";

export type StorageMode = "embedded" | "postgres";

export interface Config {
  env: Env;
  file: ConfigFile;
  storageMode: StorageMode;
  masterKey: string;
  /** Encrypts stored secrets: SALT_KEY, else the master key. */
  encryptionSecret: string;
  /** How request bodies are read: general_settings' size, shape, compression and buffering limits. */
  requestLimits: RequestLimits;
  /** Start-up notes for main to log once (never containing a secret). */
  warnings: string[];
  /** Set when embedded mode created a master key on this start, so main can show it once. */
  generatedMasterKeyPath?: string;
}

export class StartupError extends Error {}

export async function loadConfig(processEnv: NodeJS.ProcessEnv, cli: CliArgs): Promise<Config> {
  const env = await withKeysFromFiles(parseEnv(processEnv));
  if (cli.configPath !== undefined) env.configFilePath = cli.configPath;
  if (cli.port !== undefined) env.port = cli.port;
  const file = await loadConfigFile(env.configFilePath, processEnv);
  return resolveConfig(env, file);
}

/** Everything after reading the inputs: pure apart from the embedded key file. */
export async function resolveConfig(env: Env, file: ConfigFile): Promise<Config> {
  const storageMode: StorageMode = env.databaseUrl ? "postgres" : "embedded";
  const warnings = [...file.warnings];
  let masterKey = env.masterKey ?? file.masterKey;
  let generatedMasterKeyPath: string | undefined;
  if (!masterKey) {
    if (storageMode === "postgres") {
      throw new StartupError(
        "No master key: set MASTER_KEY (or LITELLM_MASTER_KEY, or general_settings.master_key in the config file). " +
          "With DATABASE_URL set, Switchboard refuses to start without one.",
      );
    }
    const stored = await loadOrCreateMasterKey(env.dataDir);
    masterKey = stored.key;
    if (stored.generated) generatedMasterKeyPath = stored.path;
    else warnings.push(`using the master key stored in ${stored.path}`);
  }
  if (!env.saltKey) {
    warnings.push("SALT_KEY is not set: stored secrets are encrypted with a key derived from the master key");
  }
  return {
    env,
    file,
    storageMode,
    masterKey,
    encryptionSecret: env.saltKey ?? masterKey,
    requestLimits: requestLimits(file.generalSettings),
    warnings,
    generatedMasterKeyPath,
  };
}
