// An OpenAI-compatible stream is relayed as the upstream sent it, error frames included; an upstream that quotes the
// deployment's credentials in one (`Incorrect API key provided: sk-...`) must not reach the caller with them. Each
// chunk is searched for the deployment's secret values and every occurrence is masked. Chunks without one pass on
// as the same Buffer. No stream stage of its own: one per stream measured as most of a stream's added CPU.
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
 * The deployment's `secrets` masked in a chunk (longest first, so a secret holding another is masked whole): the relay
 * applies it as it writes, or the usage scanner to what it passes on. A secret split across two chunks is not seen;
 * the usage scanner passes whole lines, which covers SSE frames.
 */
export function secretMasker(secrets: readonly string[]): (chunk: Buffer) => Buffer {
  const needles = [...secrets]
    .sort((a, b) => b.length - a.length)
    .map((secret) => ({ find: Buffer.from(secret), mask: Buffer.from(maskSecret(secret)) }));
  return (chunk) => maskSecretsIn(chunk, needles);
}
