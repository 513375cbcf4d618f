import { ApiError } from "../../errors/api-error.js";
import { JsonShapeScanner } from "./json-shape-scanner.js";
import type { BodyPolicy } from "./read-json-body.js";

/**
 * The chunks of one body, checked as they come: size, the replica's budget (reserved ahead by the declared length,
 * else chunk by chunk) and the JSON's shape. release() gives the reservation back; the reader calls it however the
 * read ends.
 */
export class BodyCollector {
  size = 0;
  private chunks: Buffer[] = [];
  private readonly scanner: JsonShapeScanner;

  constructor(
    private readonly policy: BodyPolicy,
    private reserved: number,
  ) {
    this.scanner = new JsonShapeScanner(policy.maxDepth, policy.maxElements);
  }

  /** Takes a chunk; the error to answer when it passes a limit. */
  add(chunk: Buffer): ApiError | undefined {
    const { policy } = this;
    this.size += chunk.length;
    if (this.size > policy.limitBytes) return ApiError.requestTooLarge(policy.limitBytes);
    if (this.size > this.reserved) {
      const more = this.size - this.reserved;
      if (!policy.budget.tryReserve(more)) return ApiError.bodyBufferFull();
      this.reserved += more;
    }
    const problem = this.scanner.scan(chunk);
    if (problem === "depth") return ApiError.jsonTooDeep(policy.maxDepth);
    if (problem === "elements") return ApiError.jsonTooManyElements(policy.maxElements);
    this.chunks.push(chunk);
    return undefined;
  }

  /** The body parsed (undefined when empty); throws on malformed JSON. */
  parse(): unknown {
    if (this.size === 0) return undefined;
    const { chunks } = this;
    const text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks, this.size).toString("utf8");
    return JSON.parse(text);
  }

  release(): void {
    this.policy.budget.release(this.reserved);
    this.reserved = 0;
    this.chunks = [];
  }
}
