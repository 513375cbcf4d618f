import { readFile } from "node:fs/promises";

/** package.json sits two levels up from both src/config/ (tests) and dist/config/ (built). */
const PACKAGE_JSON = new URL("../../package.json", import.meta.url);

/**
 * Switchboard's own version, as /health/readiness reports it in LiteLLM's `litellm_version` field. Read once per
 * replica at start (never at import); a package.json that cannot be read gives "unknown" rather than no start.
 */
export async function readSwitchboardVersion(): Promise<string> {
  try {
    const parsed = JSON.parse(await readFile(PACKAGE_JSON, "utf8")) as { version?: unknown };
    return typeof parsed.version === "string" && parsed.version !== "" ? parsed.version : "unknown";
  } catch {
    return "unknown";
  }
}
