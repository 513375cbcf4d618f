import { describe, expect, it } from "@jest/globals";
import { configProblems } from "../helpers/config-problems.js";
import { labelSchema, MAX_NAME_LENGTH, nameProblem, nameSchema, nulPath } from "../../src/config/names.js";

describe("the one rule for names and ids", () => {
  it("accepts ordinary names, slashes, unicode and exactly 256 characters", () => {
    for (const name of ["gpt-4o", "openai/gpt-4o", "модель:v1", "a".repeat(MAX_NAME_LENGTH)]) {
      expect(nameProblem(name)).toBeUndefined();
      expect(nameSchema.parse(name)).toBe(name);
    }
  });

  it("refuses NUL, every other C0 control, DEL and C1 controls inside a name", () => {
    for (const code of [0x00, 0x01, 0x09, 0x0a, 0x1b, 0x1f, 0x7f, 0x80, 0x9f]) {
      const name = `a${String.fromCharCode(code)}b`;
      expect(nameProblem(name)).toBe("must not contain control characters");
      expect(nameSchema.safeParse(name).success).toBe(false);
      expect(labelSchema.safeParse(name).success).toBe(false);
    }
  });

  it("refuses more than 256 characters, whatever they are, without quoting the value", () => {
    const result = nameSchema.safeParse("x".repeat(5 * 1024 * 1024));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual(["must be at most 256 characters"]);
  });

  it("trims names, and refuses one that is empty once trimmed; labels stay as given and may be empty", () => {
    expect(nameSchema.parse("  gpt \n")).toBe("gpt");
    expect(nameSchema.safeParse("   ").success).toBe(false);
    expect(labelSchema.parse("")).toBe("");
    expect(labelSchema.parse(" team ")).toBe(" team ");
  });

  it("reports bad config.yaml names and ids at start, with their paths", () => {
    const problems = configProblems(`
model_list:
  - model_name: "gpt\\u0000x"
    litellm_params: { model: openai/gpt-4o }
  - model_name: ok
    litellm_params: { model: "openai/${"m".repeat(300)}" }
    model_info: { id: "id\\u0007" }
`);
    expect(problems).toEqual([
      "model_list[0].model_name: must not contain control characters",
      "model_list[1].litellm_params.model: must be at most 256 characters",
      "model_list[1].model_info.id: must not contain control characters",
    ]);
  });

  it("finds a NUL anywhere in a JSON value, keys included, however deep, without recursion", () => {
    expect(nulPath({ a: [1, "ok", { b: null }], c: "fine" })).toBeUndefined();
    expect(nulPath({ a: [1, "ok", { b: "x\u0000" }] })).toEqual(["a", 2, "b"]);
    expect(nulPath({ a: { "k\u0000": 1 } })).toEqual(["a"]);
    let deep: unknown = "\u0000";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(nulPath(deep)).toHaveLength(100_000);
  });
});
