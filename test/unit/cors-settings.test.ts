import { describe, expect, it } from "@jest/globals";
import { ConfigFileError, parseConfigText } from "../../src/config/config-file.js";

function corsOf(generalSettings: string) {
  const file = parseConfigText(`general_settings:\n${generalSettings}`, {});
  return { cors: file.cors, warnings: file.warnings };
}

describe("general_settings.cors_*", () => {
  it("defaults to LiteLLM's any origin, without credentials", () => {
    const { cors } = corsOf("  master_key: sk-x\n");
    expect(cors).toEqual({ anyOrigin: true, origins: new Set(), credentials: false });
  });

  it("takes a list or a comma-separated string of origins, and credentials beside a list", () => {
    const { cors } = corsOf(
      '  cors_allow_origins: "https://a.example, http://localhost:3000"\n  cors_allow_credentials: true\n',
    );
    expect(cors).toEqual({
      anyOrigin: false,
      origins: new Set(["https://a.example", "http://localhost:3000"]),
      credentials: true,
    });
  });

  it("refuses credentials beside * with a start-up warning", () => {
    const { cors, warnings } = corsOf('  cors_allow_origins: ["*"]\n  cors_allow_credentials: true\n');
    expect(cors.credentials).toBe(false);
    expect(warnings).toEqual([expect.stringContaining("cors_allow_credentials is ignored")]);
  });

  it("reports an entry that is not an origin with its path", () => {
    const problems = (text: string): string[] => {
      try {
        corsOf(text);
        return [];
      } catch (error) {
        return error instanceof ConfigFileError ? error.problems : [String(error)];
      }
    };
    expect(problems('  cors_allow_origins: ["https://a.example", "a.example", "https://b.example/path"]\n')).toEqual([
      expect.stringMatching(/^general_settings\.cors_allow_origins\[1\]: must be "\*" or an origin/),
      expect.stringMatching(/^general_settings\.cors_allow_origins\[2\]: must be "\*" or an origin/),
    ]);
  });
});
