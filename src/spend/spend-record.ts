import { z } from "zod";

/**
 * One proxied call as the spend log keeps it, under LiteLLM's LiteLLM_SpendLogs fields (camelCase here, snake_case
 * on the wire). Built on the request path from values already at hand; never holds message content or a secret.
 */
export interface SpendRecord {
  /** Minted by the proxy (LiteLLM's call id, sent back as x-litellm-call-id), never the caller's x-request-id. */
  requestId: string;
  /** LiteLLM's call types: acompletion, atext_completion, aembedding. */
  callType: string;
  /** The calling key's token (sha256 of the raw key); the master key's token for the master key. */
  apiKey: string;
  spend: number;
  promptTokens: number;
  completionTokens: number;
  /** Epoch milliseconds. */
  startTime: number;
  endTime: number;
  /** The upstream model name. */
  model: string;
  modelGroup: string;
  modelId: string;
  /** Without credentials, query string or fragment. */
  apiBase: string;
  user: string;
  metadata: Record<string, unknown>;
  requestTags: readonly string[];
  status: "success" | "failure";
}

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Records read back from a queue are checked: a malformed entry is dropped, never written. */
export const spendRecordSchema = z.object({
  requestId: z.string().min(1).max(200),
  callType: z.string().max(64),
  apiKey: z.string().max(128),
  spend: z.number().min(0).finite(),
  promptTokens: count,
  completionTokens: count,
  startTime: z.number().finite(),
  endTime: z.number().finite(),
  model: z.string().max(512),
  modelGroup: z.string().max(512),
  modelId: z.string().max(512),
  apiBase: z.string().max(2048),
  user: z.string().max(512),
  metadata: z.record(z.string(), z.unknown()),
  requestTags: z.array(z.string()),
  status: z.enum(["success", "failure"]),
}) satisfies z.ZodType<SpendRecord>;

/** Parses one queued entry; undefined when it is not a spend record. */
export function parseSpendRecord(text: string): SpendRecord | undefined {
  try {
    const parsed = spendRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
