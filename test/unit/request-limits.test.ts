import { describe, expect, it } from "@jest/globals";
import { configProblems } from "../helpers/config-problems.js";
import { parseConfigText } from "../../src/config/config-file.js";
import { requestLimits } from "../../src/config/request-limits.js";

const MB = 1024 * 1024;

describe("request body limits from general_settings", () => {
  it("has production defaults: 20 MB inference, 1 MB management, no compression, a 256 MB buffer", () => {
    expect(requestLimits(parseConfigText("", {}).generalSettings)).toEqual({
      inferenceBytes: 20 * MB,
      managementBytes: MB,
      maxDepth: 128,
      maxElements: 1_000_000,
      acceptCompressed: false,
      maxCompressionRatio: 50,
      bufferBytes: 256 * MB,
    });
  });

  it("takes LiteLLM's max_request_size_mb and Switchboard's own settings", () => {
    const file = parseConfigText(
      [
        "general_settings:",
        "  max_request_size_mb: 0.5",
        "  max_request_json_depth: 64",
        "  max_request_json_elements: 5000",
        "  accept_compressed_requests: true",
        "  max_request_compression_ratio: 10",
        "  max_buffered_request_mb: 64",
      ].join("\n"),
      {},
    );
    expect(requestLimits(file.generalSettings)).toEqual({
      inferenceBytes: MB / 2,
      managementBytes: MB / 2, // never more than the inference limit
      maxDepth: 64,
      maxElements: 5000,
      acceptCompressed: true,
      maxCompressionRatio: 10,
      bufferBytes: 64 * MB,
    });
  });

  it("reports every bad value with its path", () => {
    const problems = configProblems(
      [
        "general_settings:",
        "  max_request_size_mb: -1",
        "  max_request_json_depth: 1.5",
        "  accept_compressed_requests: 'yes'",
        "  max_request_compression_ratio: 0.5",
      ].join("\n"),
    );
    expect(problems.map((problem) => problem.split(":")[0])).toEqual([
      "general_settings.max_request_size_mb",
      "general_settings.max_request_json_depth",
      "general_settings.accept_compressed_requests",
      "general_settings.max_request_compression_ratio",
    ]);
  });
});
