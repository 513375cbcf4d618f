import { createLazySecrets } from "../../src/db/lazy-secrets.js";

const isSealedText = (text: unknown): text is string => typeof text === "string" && text.startsWith("enc:");

function sealer() {
  const opened: string[] = [];
  const seal = createLazySecrets(isSealedText, (owner, text, field) => {
    opened.push(`${owner} ${field}`);
    return text === "enc:broken" ? "" : text.slice("enc:".length);
  });
  return { seal, opened };
}

const row = () =>
  JSON.parse(
    JSON.stringify({
      model: "openai/gpt-4o",
      api_key: "enc:sk-one",
      timeout: 60,
      headers: { "x-team": "a", Authorization: "enc:Bearer two" },
      fallbacks: ["plain", "enc:three"],
    }),
  ) as Record<string, unknown>;

describe("lazy secrets", () => {
  it("opens nothing until a secret is read, and what routing reads opens nothing", () => {
    const { seal, opened } = sealer();
    const params = seal(row(), "m1");
    expect([params.model, params.timeout, (params.headers as Record<string, unknown>)["x-team"]]).toEqual([
      "openai/gpt-4o",
      60,
      "a",
    ]);
    expect(opened).toEqual([]);
  });

  it("opens each secret once, by key, nested key or list position, keeping the keys and their order", () => {
    const { seal, opened } = sealer();
    const params = seal(row(), "m1");
    expect(Object.keys(params)).toEqual(["model", "api_key", "timeout", "headers", "fallbacks"]);
    expect(JSON.parse(JSON.stringify(params))).toEqual({
      model: "openai/gpt-4o",
      api_key: "sk-one",
      timeout: 60,
      headers: { "x-team": "a", Authorization: "Bearer two" },
      fallbacks: ["plain", "three"],
    });
    expect({ ...params }.api_key).toBe("sk-one");
    expect(Object.entries(params).find(([key]) => key === "api_key")).toEqual(["api_key", "sk-one"]);
    expect(opened).toEqual(["m1 api_key", "m1 headers.Authorization", "m1 fallbacks[1]"]);
  });

  it("keeps two rows' secrets apart although their objects share getters", () => {
    const { seal } = sealer();
    const first = seal(row(), "m1");
    const second = seal({ ...row(), api_key: "enc:sk-other" }, "m2");
    expect([second.api_key, first.api_key]).toEqual(["sk-other", "sk-one"]);
  });

  it("names the row and field of a secret that cannot be opened, which reads as the opener's fallback", () => {
    const { seal, opened } = sealer();
    const params = seal({ api_key: "enc:broken" }, "m9");
    expect(params.api_key).toBe("");
    expect(opened).toEqual(["m9 api_key"]);
  });

  it("returns an object without secrets as it is", () => {
    const { seal } = sealer();
    const plain = { model: "openai/gpt-4o", nested: { a: 1 } };
    expect(seal(plain, "m1")).toBe(plain);
  });

  it("lets a read secret be overwritten like any property", () => {
    const { seal } = sealer();
    const params = seal(row(), "m1");
    expect(params.api_key).toBe("sk-one");
    params.api_key = "sk-replaced";
    expect(params.api_key).toBe("sk-replaced");
  });
});
