import { ConfigFileError, parseConfigText } from "../../src/config/config-file.js";

/** The problems a config.yaml text is rejected with, or [] when it loads. */
export function configProblems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfigText(text, env);
  } catch (error) {
    if (error instanceof ConfigFileError) return error.problems;
    throw error;
  }
  return [];
}
