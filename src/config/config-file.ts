import { readFile } from "node:fs/promises";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { z } from "zod";
import { formatIssues } from "../errors/zod-error.js";
import type { ConfigDeployment, MissingEnvRef } from "../registry/deployment.js";
import { configModelId } from "../registry/model-id.js";
import { notCallableReason, parseModelString, providerProblem } from "../registry/providers.js";
import { type CorsSettings, corsSettings, corsSettingsFields } from "./cors-settings.js";
import { resolveEnvRefs } from "./env-refs.js";
import { idSchema, nameSchema } from "./names.js";
import { requestLimitSettingsShape } from "./request-limits.js";
import { budgetSettingsShape } from "./budget-settings.js";

const KNOWN_SECTIONS = new Set(["model_list", "general_settings", "router_settings", "litellm_settings"]);

const nonNegativeInt = z.number().int().nonnegative();

export const modelStringSchema = nameSchema;

/** The optional litellm_params Switchboard reads, with their types (the API's write bodies reuse them). */
export const litellmParamTypes = {
  api_base: z.string(),
  api_key: z.string(),
  api_version: z.string(),
  rpm: nonNegativeInt,
  tpm: nonNegativeInt,
  timeout: z.number().positive(),
  weight: z.number().positive(),
};

/** litellm_params as LiteLLM takes them; keys we do not know are kept and passed along. */
export const litellmParamsSchema = z.looseObject({
  model: modelStringSchema,
  ...z.object(litellmParamTypes).partial().shape,
});

export const modelInfoSchema = z.looseObject({ id: idSchema.optional() });

const configModelSchema = z.object({
  model_name: nameSchema,
  litellm_params: litellmParamsSchema,
  model_info: modelInfoSchema.optional(),
  // LiteLLM also takes rpm/tpm beside litellm_params and copies them in.
  rpm: nonNegativeInt.optional(),
  tpm: nonNegativeInt.optional(),
});

const routerSettingsSchema = z.looseObject({
  // LiteLLM's v1 usage-based routing name is served by v2, which it replaced.
  routing_strategy: z
    .enum(["simple-shuffle", "least-busy", "usage-based-routing-v2", "usage-based-routing"])
    .optional(),
  num_retries: nonNegativeInt.optional(),
  allowed_fails: nonNegativeInt.optional(),
  cooldown_time: z.number().nonnegative().optional(),
  timeout: z.number().positive().optional(),
  fallbacks: z.array(z.record(z.string(), z.array(z.string()))).optional(),
});

/** LiteLLM's library settings; only those Switchboard acts on are typed, the rest are named in a warning. */
const litellmSettingsSchema = z.looseObject({ drop_params: z.boolean().optional() });
const ACTED_ON_LITELLM_SETTINGS = new Set(Object.keys(litellmSettingsSchema.shape));
/** LiteLLM's general_settings: the keys Switchboard acts on are checked, any other is kept as given. */
const generalSettingsSchema = z.looseObject({
  master_key: z.string().optional(),
  background_health_checks: z.boolean().nullish(),
  health_check_interval: z.number().positive().nullish(),
  health_check_details: z.boolean().nullish(),
  health_check_concurrency: z.number().int().positive().nullish(),
  stream_idle_timeout: z.number().positive().nullish(),
  ...corsSettingsFields,
  ...requestLimitSettingsShape,
  // Spend (src/spend/spend-settings.ts).
  disable_spend_logs: z.boolean().nullish(),
  proxy_batch_write_at: z.number().positive().max(3600).nullish(),
  spend_buffer_limit: z.number().int().positive().max(10_000_000).nullish(),
  spend_claim_idle_seconds: z.number().positive().max(3600).nullish(),
  // Budgets (src/config/budget-settings.ts).
  ...budgetSettingsShape,
});

const configFileSchema = z.looseObject({
  model_list: z.array(configModelSchema).nullish(),
  general_settings: generalSettingsSchema.nullish(),
  router_settings: routerSettingsSchema.nullish(),
  litellm_settings: litellmSettingsSchema.nullish(),
});

export type RouterSettings = z.infer<typeof routerSettingsSchema>;
export type LitellmSettings = z.infer<typeof litellmSettingsSchema>;
export type GeneralSettings = z.infer<typeof generalSettingsSchema>;

export interface ConfigFile {
  /** The model_list entries, in the shape the registry takes (the shape is the registry's: config depends on it). */
  models: ConfigDeployment[];
  masterKey?: string;
  generalSettings: GeneralSettings;
  routerSettings: RouterSettings;
  litellmSettings: LitellmSettings;
  /** Which browser origins may call the proxy (general_settings.cors_*). */
  cors: CorsSettings;
  /** Non-fatal findings to log once at start (unset env vars, ignored sections). */
  warnings: string[];
}

export class ConfigFileError extends Error {
  constructor(
    readonly path: string,
    readonly problems: string[],
  ) {
    super(`Invalid config file ${path}:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
}

export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : String(error);
    throw new ConfigFileError(path, [reason]);
  }
  return parseConfigText(text, env, path);
}

export function parseConfigText(text: string, env: NodeJS.ProcessEnv, path = "config.yaml"): ConfigFile {
  let document: unknown;
  try {
    document = parseYaml(text) ?? {};
  } catch (error) {
    const where = error instanceof YAMLParseError ? error.message : String(error);
    throw new ConfigFileError(path, [`not valid YAML: ${where}`]);
  }
  const parsed = configFileSchema.safeParse(document);
  if (!parsed.success) throw new ConfigFileError(path, formatIssues(parsed.error, document));

  const problems: string[] = [];
  const warnings: string[] = [];
  for (const section of Object.keys(parsed.data)) {
    if (!KNOWN_SECTIONS.has(section)) warnings.push(`config section "${section}" is not supported and was ignored`);
  }
  for (const setting of Object.keys(parsed.data.litellm_settings ?? {})) {
    if (!ACTED_ON_LITELLM_SETTINGS.has(setting))
      warnings.push(`litellm_settings.${setting} is not supported and was ignored`);
  }
  const models = (parsed.data.model_list ?? []).map((entry, index) => {
    const model = toConfigDeployment(entry, index, env, problems);
    const notCallable = notCallableReason(
      parseModelString(entry.litellm_params.model, entry.litellm_params.custom_llm_provider).provider,
    );
    if (notCallable) {
      warnings.push(
        `model_list[${index}].litellm_params.model: ${notCallable}; "${model.modelName}" (id ${model.id}) is listed, but calls to it answer 400 unsupported_provider`,
      );
    }
    for (const ref of model.missingEnv) {
      warnings.push(
        `model_list[${index}].${ref.field}: environment variable ${ref.variable} is not set; calls to "${model.modelName}" will fail until it is`,
      );
    }
    return model;
  });
  problems.push(...duplicateIdProblems(models));
  if (problems.length > 0) throw new ConfigFileError(path, problems);

  const general = parsed.data.general_settings ?? {};
  const masterKeyMissing: MissingEnvRef[] = [];
  const masterKey = resolveEnvRefs(general.master_key, env, "general_settings.master_key", masterKeyMissing);
  for (const ref of masterKeyMissing) warnings.push(`${ref.field}: environment variable ${ref.variable} is not set`);
  return {
    models,
    masterKey: masterKey || undefined,
    generalSettings: general,
    routerSettings: parsed.data.router_settings ?? {},
    litellmSettings: parsed.data.litellm_settings ?? {},
    cors: corsSettings(general, warnings),
    warnings,
  };
}

function toConfigDeployment(
  entry: z.infer<typeof configModelSchema>,
  index: number,
  env: NodeJS.ProcessEnv,
  problems: string[],
): ConfigDeployment {
  const unresolved: Record<string, unknown> = { ...entry.litellm_params };
  if (entry.rpm !== undefined && unresolved.rpm === undefined) unresolved.rpm = entry.rpm;
  if (entry.tpm !== undefined && unresolved.tpm === undefined) unresolved.tpm = entry.tpm;
  const problem = providerProblem(unresolved);
  if (problem?.kind === "unknown_provider")
    problems.push(`model_list[${index}].litellm_params.${problem.field}: ${problem.message}`);
  if (problem?.kind === "missing_param") {
    problems.push(`model_list[${index}].litellm_params.${problem.field}: Required for ${problem.provider} deployments`);
  }
  const missingEnv: MissingEnvRef[] = [];
  const litellmParams = resolveEnvRefs(unresolved, env, "litellm_params", missingEnv);
  const { id: explicitId, ...modelInfo } = entry.model_info ?? {};
  return {
    id: explicitId ?? configModelId(entry.model_name, unresolved),
    modelName: entry.model_name,
    litellmParams,
    modelInfo,
    missingEnv,
  };
}

function duplicateIdProblems(models: ConfigDeployment[]): string[] {
  const firstIndex = new Map<string, number>();
  const problems: string[] = [];
  models.forEach((model, index) => {
    const earlier = firstIndex.get(model.id);
    if (earlier === undefined) firstIndex.set(model.id, index);
    else problems.push(`model_list[${index}].model_info.id: duplicate id "${model.id}" (also model_list[${earlier}])`);
  });
  return problems;
}
