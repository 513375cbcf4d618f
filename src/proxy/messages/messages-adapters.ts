// Which adapter carries an Anthropic Messages call to a deployment: Anthropic's own API takes the body as it is
// (only the model name swapped), every other provider gets it as a chat completion, translated both ways.
import type { Deployment } from "../../registry/deployment.js";
import {
  droppedParamsOf,
  joinUrl,
  type ProviderAdapter,
  type ProxyOperation,
  requestHeaders,
  type StreamTranslator,
  stringParam,
} from "../provider-adapter.js";
import { ANTHROPIC_BASE, ANTHROPIC_VERSION } from "../providers/anthropic.js";
import { asRecord, completionTokensOf, fromAnthropicError, promptTokensOf } from "../providers/anthropic-response.js";
import { createChatStreamEvents } from "./chat-stream-events.js";
import { fromChatResponse } from "./from-chat-response.js";
import { toChatRequest } from "./to-chat-request.js";

/** The caller's body with the deployment's model name, less the deployment's `additional_drop_params`. */
function anthropicBody(body: Record<string, unknown>, deployment: Deployment): string {
  const out: Record<string, unknown> = { ...body, model: deployment.upstreamModel };
  for (const name of droppedParamsOf(deployment) ?? []) delete out[name];
  return JSON.stringify(out);
}

/**
 * Anthropic's events relayed as they came, each re-framed whole; the usage is read on the way for spend and tpm
 * limits. An `error` event becomes the proxy's error event (its message scrubbed of the deployment's secrets).
 */
function createEventRelay(): StreamTranslator {
  let usage: { promptTokens: number; completionTokens: number } | undefined;
  return {
    framed: true,
    push(event, data) {
      const payload = asRecord(JSON.parse(data));
      const name = event === "message" && typeof payload.type === "string" ? payload.type : event;
      if (name === "error") {
        const fields = fromAnthropicError(500, payload);
        throw new Error(fields.message, { cause: fields });
      }
      if (name === "message_start") {
        const counts = asRecord(asRecord(payload.message).usage);
        usage = { promptTokens: promptTokensOf(counts), completionTokens: completionTokensOf(counts) };
      } else if (name === "message_delta" && usage) {
        // Cumulative counts: they replace what message_start said.
        const counts = asRecord(payload.usage);
        if (typeof counts.output_tokens === "number") usage.completionTokens = completionTokensOf(counts);
        if (typeof counts.input_tokens === "number") usage.promptTokens = promptTokensOf(counts);
      }
      return [`event: ${name}\ndata: ${data}\n\n`];
    },
    usage: () => usage && { ...usage },
  };
}

/** Anthropic deployments: /v1/messages and /v1/messages/count_tokens, the body as the caller sent it. */
export const anthropicMessagesAdapter: ProviderAdapter = {
  name: "anthropic",
  exceptionName: "AnthropicException",
  // Not relayed byte for byte: the events are parsed for their usage and re-framed (see createEventRelay).
  passthrough: false,
  supports: (op) => op === "messages" || op === "count_tokens",
  buildRequest(op, body, deployment, callerHeaders) {
    const path = op === "count_tokens" ? "/v1/messages/count_tokens" : "/v1/messages";
    // The caller's beta features (Claude Code asks for several) go with the body that uses them; the deployment's
    // own extra_headers still win.
    const beta = callerHeaders?.["anthropic-beta"];
    return {
      url: joinUrl(stringParam(deployment, "api_base") ?? ANTHROPIC_BASE, path),
      headers: requestHeaders(deployment, (key) => ({ "x-api-key": key }), {
        "anthropic-version": stringParam(deployment, "api_version") ?? ANTHROPIC_VERSION,
        ...(beta ? { "anthropic-beta": beta } : {}),
      }),
      body: anthropicBody(body, deployment),
    };
  },
  transformResponse: (_op, json) => json,
  createStreamTranslator: createEventRelay,
  describeError: fromAnthropicError,
};

/** A chat-completions stream translator of the inner adapter (when it has one) feeding the Anthropic events. */
function chatStreamTranslator(inner: ProviderAdapter, model: string): StreamTranslator {
  const events = createChatStreamEvents(model);
  const innerTranslator = inner.passthrough ? undefined : inner.createStreamTranslator?.(model, true, "chat");
  return {
    framed: true,
    push: (event, data) =>
      innerTranslator
        ? innerTranslator.push(event, data).flatMap((payload) => events.push(payload))
        : events.push(data),
    end: () => events.end(),
    usage: () => events.usage(),
  };
}

/** Any provider that speaks chat completions, behind the Messages API. */
function messagesOverChat(inner: ProviderAdapter): ProviderAdapter {
  return {
    name: inner.name,
    exceptionName: inner.exceptionName,
    passthrough: false,
    supports: (op) => op === "messages" && inner.supports("chat"),
    buildRequest: (_op, body, deployment) => inner.buildRequest("chat", toChatRequest(body), deployment),
    transformResponse(_op, json, model, body) {
      const chat = inner.passthrough ? json : inner.transformResponse!("chat", json, model, body);
      return fromChatResponse(chat, model);
    },
    createStreamTranslator: (model) => chatStreamTranslator(inner, model),
    // Bedrock's binary event stream is decoded as for a chat call.
    ...(inner.decodeStream ? { decodeStream: (body) => inner.decodeStream!(body) } : {}),
    describeError: (status, body) => inner.describeError(status, body),
  };
}

const overChat = new WeakMap<ProviderAdapter, ProviderAdapter>();

/**
 * The adapter for one call: the provider's own for OpenAI's operations; for the Messages operations Anthropic's
 * native one, or the provider's wrapped in the translation (built once per provider).
 */
export function adapterForCall(op: ProxyOperation, native: ProviderAdapter): ProviderAdapter {
  if (op !== "messages" && op !== "count_tokens") return native;
  if (native.name === "anthropic") return anthropicMessagesAdapter;
  let wrapped = overChat.get(native);
  if (!wrapped) overChat.set(native, (wrapped = messagesOverChat(native)));
  return wrapped;
}
