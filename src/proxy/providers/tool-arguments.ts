import { isRecord } from "./anthropic-response.js";

/**
 * An OpenAI tool call's `arguments` (JSON text) as the object Anthropic's tool_use.input and Bedrock's toolUse.input
 * must be. Empty arguments mean "no arguments"; arguments that are not a JSON object (a truncated or malformed call
 * the model made earlier) also become {}: the tool result that follows in the history already tells the model how
 * that call went, and failing the whole request would not help.
 */
export function toolArguments(args: unknown): Record<string, unknown> {
  if (isRecord(args)) return args;
  if (typeof args !== "string" || args.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(args);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
