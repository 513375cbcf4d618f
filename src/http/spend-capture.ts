import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { ProxyOperation } from "../proxy/provider-adapter.js";
import type { Deployment } from "../registry/deployment.js";
import { callerMetadata, callerTags, callerUser, loggableApiBase } from "../spend/caller-fields.js";
import type { SpendRecorder } from "../spend/spend-service.js";
import type { Caller } from "./middleware/auth.js";
import type { RequestRecord } from "./middleware/request-log.js";

/** LiteLLM's call_type values. */
const CALL_TYPES: Readonly<Record<ProxyOperation, string>> = {
  chat: "acompletion",
  completions: "atext_completion",
  embeddings: "aembedding",
  responses: "aresponses",
  image_generation: "aimage_generation",
  audio_speech: "aspeech",
  audio_transcription: "atranscription",
  moderation: "amoderation",
  messages: "anthropic_messages",
  count_tokens: "count_tokens",
};

/** A failed call's model group is the caller's `model`, which may name nothing that exists. */
const MAX_GROUP_NAME = 256;

/** One call as the route saw it, for its spend log row. */
export interface CapturedCall {
  op: ProxyOperation;
  body: Record<string, unknown>;
  caller: Caller;
  record: RequestRecord;
  /** From `requestIdOf()`. */
  callId: string;
}

/** The fields of a proxy outcome a spend record takes (a JSON outcome fits as it is). */
export interface AnsweredCall {
  deployment: Deployment;
  trace: { group: string };
  costUsd?: number;
  usage?: { promptTokens: number; completionTokens: number };
}

/** A streamed call once relayed: what it reported (see ProxyOutcome's `spent`). */
export interface StreamedCall {
  deployment: Deployment;
  trace: { group: string };
  spent: () => { usage: { promptTokens: number; completionTokens: number }; costUsd?: number } | undefined;
}

/**
 * Builds spend log records from what a proxied call already has at hand and hands them to the recorder. Per
 * deployment work (its loggable api_base) is done once per deployment object.
 */
export function createSpendCapture(options: { recorder: SpendRecorder; masterKeyToken: string }) {
  const { recorder, masterKeyToken } = options;
  const apiBases = new WeakMap<Deployment, string>();

  function apiBaseOf(deployment: Deployment): string {
    let base = apiBases.get(deployment);
    if (base === undefined) {
      base = loggableApiBase(deployment.litellmParams.api_base);
      apiBases.set(deployment, base);
    }
    return base;
  }

  function build(call: CapturedCall, answered: AnsweredCall | undefined, failedGroup: string) {
    const usage = answered?.usage;
    return {
      requestId: call.callId,
      callType: CALL_TYPES[call.op],
      apiKey: call.caller.kind === "virtual" ? call.caller.key.token : masterKeyToken,
      spend: answered?.costUsd ?? 0,
      promptTokens: usage?.promptTokens ?? 0,
      completionTokens: usage?.completionTokens ?? 0,
      startTime: performance.timeOrigin + call.record.receivedAt,
      endTime: performance.timeOrigin + performance.now(),
      model: answered?.deployment.upstreamModel ?? "",
      modelGroup: answered?.trace.group ?? failedGroup,
      modelId: answered?.deployment.id ?? "",
      apiBase: answered ? apiBaseOf(answered.deployment) : "",
      user: callerUser(call.body),
      metadata: callerMetadata(call.body.metadata),
      requestTags: callerTags(call.body),
      status: answered ? ("success" as const) : ("failure" as const),
    };
  }

  return {
    enabled: recorder.enabled,
    /**
     * The spend log's request_id: the request id, which x-litellm-call-id and x-request-id carry. When the caller
     * chose it (x-request-id), it gets a unique suffix: calls repeating one id would otherwise share one row, and
     * only the first would be counted.
     */
    requestIdOf(req: IncomingMessage, record: RequestRecord): string {
      const chosen = req.headers["x-request-id"] === record.requestId;
      return chosen ? `${record.requestId}:${randomUUID()}` : record.requestId;
    },
    /** After the reply: the answered call with its cost and usage. Also the seam for a stream's finish. */
    answered(call: CapturedCall, answered: AnsweredCall): void {
      recorder.record(build(call, answered, answered.trace.group));
    },
    /**
     * When a stream is over, however it ended. Usage known is recorded as answered with its cost, even from a stream
     * cut short (an Anthropic stream knows its prompt tokens from the start: the provider bills them). A stream that
     * broke with no usage known is a failure with zero spend; one that ended but reported none is answered, unpriced.
     */
    streamed(call: CapturedCall, stream: StreamedCall, completed: boolean): void {
      const spent = stream.spent();
      if (!spent && !completed) {
        recorder.record(build(call, undefined, stream.trace.group));
        return;
      }
      const answered = { deployment: stream.deployment, trace: stream.trace, ...spent };
      recorder.record(build(call, answered, stream.trace.group));
    },
    /** A call that got an error: logged as a failure with zero spend. `group` is as the caller sent it: bounded. */
    failed(call: CapturedCall, group: string): void {
      recorder.record(build(call, undefined, group.slice(0, MAX_GROUP_NAME)));
    },
  };
}

export type SpendCapture = ReturnType<typeof createSpendCapture>;
