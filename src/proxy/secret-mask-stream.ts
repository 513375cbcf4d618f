// An OpenAI-compatible stream is relayed as the upstream sent it, error frames included; an upstream that quotes the
// deployment's credentials in one (`Incorrect API key provided: sk-...`) must not reach the caller with them. Each
// chunk is searched for the deployment's secret values and every occurrence is masked. Chunks without one pass on
// as the same Buffer.
import { Transform, type TransformCallback } from "node:stream";
import { maskSecret } from "../registry/secret-fields.js";

interface Needle {
  find: Buffer;
  mask: Buffer;
}

/** `chunk` with every occurrence of a needle replaced by its mask; the same Buffer when there is none. */
export function maskSecretsIn(chunk: Buffer, needles: readonly Needle[]): Buffer {
  let out = chunk;
  for (const { find, mask } of needles) {
    let at = out.indexOf(find);
    if (at === -1) continue;
    const parts: Buffer[] = [];
    let from = 0;
    for (; at !== -1; at = out.indexOf(find, from)) {
      parts.push(out.subarray(from, at), mask);
      from = at + find.length;
    }
    parts.push(out.subarray(from));
    out = Buffer.concat(parts);
  }
  return out;
}

/**
 * A pass-through stream that masks `secrets` (longest first, so a secret holding another is masked whole). A secret
 * split across two chunks is not seen; the usage scanner before it passes whole lines, which covers SSE frames.
 */
export function createSecretMask(secrets: readonly string[]): Transform {
  const mask = secretMasker(secrets);
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      done(null, mask(chunk));
    },
  });
}

/** The masking itself, for a stream stage that already exists (the usage scanner takes it as its rewrite). */
export function secretMasker(secrets: readonly string[]): (chunk: Buffer) => Buffer {
  const needles = [...secrets]
    .sort((a, b) => b.length - a.length)
    .map((secret) => ({ find: Buffer.from(secret), mask: Buffer.from(maskSecret(secret)) }));
  return (chunk) => maskSecretsIn(chunk, needles);
}
