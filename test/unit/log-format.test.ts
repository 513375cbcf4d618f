import { describe, expect, it } from "@jest/globals";
import { chooseLogFormat, prettyLine } from "../../src/logging/log-format.js";

describe("chooseLogFormat", () => {
  it("gives readable lines on a terminal and JSON on a pipe or file when LOG_FORMAT is unset", () => {
    expect(chooseLogFormat(undefined, true)).toBe("pretty");
    expect(chooseLogFormat(undefined, false)).toBe("json");
  });

  it("lets LOG_FORMAT override the terminal check either way", () => {
    expect(chooseLogFormat("json", true)).toBe("json");
    expect(chooseLogFormat("pretty", false)).toBe("pretty");
  });
});

describe("prettyLine", () => {
  const time = Date.UTC(2026, 11, 2, 3, 4, 5, 678);

  it("shows time, level and message, then the line's own fields, without the fields every line carries", () => {
    const json = JSON.stringify({ level: 30, time, service: "switchboard", port: 4000, models: 3, msg: "listening" });
    expect(prettyLine(json, false)).toBe("03:04:05.678 INFO  listening port=4000 models=3\n");
  });

  it("quotes values with spaces and writes objects as JSON", () => {
    const json = JSON.stringify({ level: 40, time, msg: "w", reason: "two words", list: ["a"], api_key: "[redacted]" });
    expect(prettyLine(json, false)).toBe('03:04:05.678 WARN  w reason="two words" list=["a"] api_key=[redacted]\n');
  });

  it("puts an error's stack under its line, indented", () => {
    const json = JSON.stringify({
      level: 50,
      time,
      msg: "close failed",
      err: { message: "boom", stack: "Error: boom\n  at x" },
    });
    expect(prettyLine(json, false)).toBe("03:04:05.678 ERROR close failed\n    Error: boom\n      at x\n");
  });

  it("colours the level only when asked to", () => {
    const json = JSON.stringify({ level: 30, time, msg: "m" });
    expect(prettyLine(json, true)).toContain("\x1b[32mINFO ");
    expect(prettyLine(json, false)).not.toContain("\x1b[");
  });

  it("passes a line that is not a JSON object through unchanged", () => {
    expect(prettyLine("plain text\n", false)).toBe("plain text\n");
    expect(prettyLine("[1,2]\n", false)).toBe("[1,2]\n");
  });
});
