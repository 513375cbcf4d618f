import type { z } from "zod";
import { ApiError } from "./api-error.js";

/** `model_list[2].litellm_params.model`: the path style LiteLLM users know from their YAML. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** zod 4 does not keep the offending input on an issue, so "missing" is read off the input itself. */
function isMissing(issue: z.core.$ZodIssue, input: unknown): boolean {
  return issue.code === "invalid_type" && valueAt(input, issue.path) === undefined;
}

/** Every issue as `path: message`, e.g. `model_list[2].litellm_params.model: Required`. */
export function formatIssues(error: z.ZodError, input: unknown): string[] {
  return error.issues.map((issue) => {
    const message = isMissing(issue, input) ? "Required" : issue.message;
    return `${formatIssuePath(issue.path) || "(root)"}: ${message}`;
  });
}

/** A request that failed validation: 400 naming the first bad field. */
export function apiErrorFromZod(error: z.ZodError, input: unknown): ApiError {
  const first = error.issues[0];
  if (!first) return ApiError.badRequest("Invalid request");
  const param = formatIssuePath(first.path) || null;
  if (param && isMissing(first, input)) return ApiError.missingField(param);
  return ApiError.badRequest(param ? `${param}: ${first.message}` : first.message, param);
}
