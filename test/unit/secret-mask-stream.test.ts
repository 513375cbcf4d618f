import { describe, expect, it } from "@jest/globals";
import { maskSecretsIn, secretMasker } from "../../src/proxy/secret-mask-stream.js";
import { maskSecret } from "../../src/registry/secret-fields.js";

const KEY = "sk-live-0123456789abcdefghij";

describe("masking a deployment's secrets in a relayed stream", () => {
  it("passes a chunk without a secret on as the same Buffer", () => {
    const chunk = Buffer.from('data: {"choices":[]}\n\n');
    const needles = [{ find: Buffer.from(KEY), mask: Buffer.from(maskSecret(KEY)) }];
    expect(maskSecretsIn(chunk, needles)).toBe(chunk);
  });

  it("masks every occurrence of every secret, the longest first", () => {
    const text = `data: {"error":{"message":"bad key ${KEY}, again ${KEY}; header ${KEY}-extra"}}\n\n`;
    const mask = secretMasker(["short-but-long-enough", KEY, `${KEY}-extra`]);
    const relayed = mask(Buffer.from(text)).toString();
    expect(relayed).not.toContain(KEY);
    expect(relayed).toContain(maskSecret(`${KEY}-extra`));
    expect(relayed.split(maskSecret(KEY)).length - 1).toBe(2);
  });
});
