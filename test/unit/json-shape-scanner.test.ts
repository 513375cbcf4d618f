import { describe, expect, it } from "@jest/globals";
import { JsonShapeScanner } from "../../src/http/body/json-shape-scanner.js";

/** Scans `text` split into chunks of `size` bytes (every size, so every boundary is tried). */
function scanInChunks(text: string, size: number, maxDepth = 5, maxElements = 20): string | undefined {
  const scanner = new JsonShapeScanner(maxDepth, maxElements);
  const bytes = Buffer.from(text, "utf8");
  for (let at = 0; at < bytes.length; at += size) {
    const problem = scanner.scan(bytes.subarray(at, at + size));
    if (problem) return problem;
  }
  return undefined;
}

function everySplit(text: string, maxDepth?: number, maxElements?: number): Array<string | undefined> {
  const length = Buffer.byteLength(text);
  return Array.from({ length }, (_, i) => scanInChunks(text, i + 1, maxDepth, maxElements));
}

describe("JsonShapeScanner", () => {
  it.each([
    ["a string", '"hello"'],
    ["a number", "-12.5e3"],
    ["literals", "[true,false,null]"],
    ["an empty object and array", '{"a":{},"b":[]}'],
    ["a chat request", '{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true}'],
    ["unicode and escapes", '{"t":"\\u00e9\\n\\t\\"é€😀"}'],
    ["nesting at the limit", "[[[[[1]]]]]"],
  ])("passes valid JSON: %s, split anywhere", (_name, text) => {
    JSON.parse(text); // the fixture itself is valid
    expect(everySplit(text).filter(Boolean)).toEqual([]);
  });

  it("refuses nesting past the depth limit, arrays or objects", () => {
    expect(everySplit("[[[[[[1]]]]]]")).toEqual(everySplit("[[[[[[1]]]]]]").map(() => "depth"));
    expect(scanInChunks('{"a":{"a":{"a":{"a":{"a":{"a":1}}}}}}', 7)).toBe("depth");
    expect(scanInChunks("[[[[[1]]]]]", 3)).toBeUndefined();
  });

  it("counts depth back down as containers close", () => {
    const siblings = `[${Array.from({ length: 5 }, () => "[[[1]]]").join(",")}]`;
    expect(scanInChunks(siblings, 4, 4, 100)).toBeUndefined();
  });

  it("refuses more elements than the limit, counting containers and commas", () => {
    const within = `[${Array.from({ length: 19 }, (_, i) => i).join(",")}]`; // 1 container + 18 commas
    expect(scanInChunks(within, 5)).toBeUndefined();
    const over = `[${Array.from({ length: 25 }, (_, i) => i).join(",")}]`;
    expect(everySplit(over).every((problem) => problem === "elements")).toBe(true);
    expect(scanInChunks("[{},{},{},{},{},{},{},{},{},{},{}]", 3)).toBe("elements");
  });

  it("is not fooled by brackets, commas and quotes inside strings", () => {
    const text = JSON.stringify({ s: "[[[[[[[[[[,,,,,,,,,,,,,,,,,,,,,,,,,]]]]]", q: 'say \\"[[[[[[[[["', b: "\\\\" });
    expect(everySplit(text).filter(Boolean)).toEqual([]);
  });

  it("tells an escaped quote from an escaped backslash before a quote, across chunk boundaries", () => {
    // "\\" ends the string: the brackets after it count. "\"" does not: the brackets are inside the string.
    const afterEscapedBackslash = '["\\\\",[[[[[1]]]]]]';
    expect(everySplit(afterEscapedBackslash).every((problem) => problem === "depth")).toBe(true);
    const afterEscapedQuote = '["\\"[[[[[[[[", 1]';
    expect(everySplit(afterEscapedQuote).filter(Boolean)).toEqual([]);
    const longRuns = '["\\\\\\\\\\\\\\"[[[[[[[[[[", 1]';
    expect(everySplit(longRuns).filter(Boolean)).toEqual([]);
  });

  it("passes a 4 MB string (an image) scanned in 64 KB chunks", () => {
    const image = "A".repeat(4 * 1024 * 1024);
    const body = Buffer.from(JSON.stringify({ model: "m", messages: [{ role: "user", content: image }] }));
    const scanner = new JsonShapeScanner(128, 1_000_000);
    for (let at = 0; at < body.length; at += 65536) expect(scanner.scan(body.subarray(at, at + 65536))).toBeUndefined();
  });
});
