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

export function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && issue.input === undefined) return "Required";
  return issue.message;
}

/** Every issue as `path: message`, one per line entry. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatIssuePath(issue.path) || "(root)"}: ${describeIssue(issue)}`);
}

/** A request body that failed validation: 400 naming the first bad field. */
export function apiErrorFromZod(error: z.ZodError, prefix: readonly PropertyKey[] = []): ApiError {
  const first = error.issues[0];
  if (!first) return ApiError.badRequest("Invalid request");
  const param = formatIssuePath([...prefix, ...first.path]) || null;
  if (first.code === "invalid_type" && first.input === undefined && param) return ApiError.missingField(param);
  return ApiError.badRequest(param ? `${param}: ${first.message}` : first.message, param);
}
