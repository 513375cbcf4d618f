// Reads a user cost file in LiteLLM's model_prices_and_context_window.json format. Only the fields we
// read are type-checked; any others are kept, since LiteLLM's file carries many more.
import { readFile } from "node:fs/promises";
import { z } from "zod";

const count = z.number().int().nonnegative().nullish();
const price = z.number().nonnegative().nullish();
const flag = z.boolean().nullish();

const overrideEntrySchema = z.looseObject({
  max_tokens: count,
  max_input_tokens: count,
  max_output_tokens: count,
  input_cost_per_token: price,
  output_cost_per_token: price,
  cache_read_input_token_cost: price,
  litellm_provider: z.string().nullish(),
  mode: z.string().nullish(),
  supports_function_calling: flag,
  supports_vision: flag,
  supports_reasoning: flag,
});

const overrideFileSchema = z.record(z.string(), overrideEntrySchema);

export type OverrideEntry = Readonly<Record<string, unknown>>;

/** Override entries by model key. Throws an Error naming the path when the file is missing or invalid. */
export async function loadOverrides(path: string): Promise<ReadonlyMap<string, OverrideEntry>> {
  const fail = (reason: string): Error => new Error(`Cost map override file ${path}: ${reason}`);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw fail(`cannot be read (${err instanceof Error && "code" in err ? String(err.code) : String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw fail(`is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isPlainObject(json)) throw fail("must be a JSON object mapping model names to entries");
  // LiteLLM's own file documents its fields in a "sample_spec" entry whose values are prose, not data.
  const entries = Object.fromEntries(Object.entries(json).filter(([key]) => key !== "sample_spec"));
  const parsed = overrideFileSchema.safeParse(entries);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const [model, ...field] = issue?.path.map(String) ?? [];
    const where = (model === undefined ? "" : ` model "${model}"`) + (field.length ? ` field ${field.join(".")}` : "");
    throw fail(`invalid${where}: ${issue?.message ?? "unexpected shape"}`);
  }
  return new Map(Object.entries(parsed.data).map(([key, entry]) => [key, withoutEmpty(entry)]));
}

/** Null means "unknown" in LiteLLM's file; our entries omit unknown fields. `key` is always the lookup key. */
function withoutEmpty(entry: Record<string, unknown>): OverrideEntry {
  return Object.fromEntries(Object.entries(entry).filter(([k, v]) => k !== "key" && v !== undefined && v !== null));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
