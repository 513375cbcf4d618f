// The Responses API for a provider that speaks only chat completions: its chat adapter, with Responses bodies
// translated to chat on the way up and chat replies (and chunks) translated back. Other operations are the chat
// adapter's own, untouched.
import type { ProviderAdapter, StreamTranslator } from "../provider-adapter.js";
import { toResponse } from "./responses-reply.js";
import { toChatRequest, untranslatedParams } from "./responses-request.js";
import { createResponsesStreamTranslator } from "./responses-stream.js";

function responsesStream(chat: ProviderAdapter, model: string): StreamTranslator {
  // Asked for usage always: response.completed carries it whatever the caller asked.
  const inner = chat.createStreamTranslator!(model, true, "chat");
  const outer = createResponsesStreamTranslator({ model, request: {} });
  return {
    framed: true,
    push: (event, data) => inner.push(event, data).flatMap((payload) => outer.push(JSON.parse(payload))),
    usage: inner.usage,
  };
}

/** `chat`, with the "responses" operation added by translation (only for a non-passthrough chat adapter). */
export function withResponsesViaChat(chat: ProviderAdapter): ProviderAdapter {
  return {
    ...chat,
    supports: (op) => (op === "responses" ? chat.supports("chat") : chat.supports(op)),
    buildRequest: (op, body, deployment) =>
      op === "responses"
        ? chat.buildRequest("chat", toChatRequest(body, chat.name), deployment)
        : chat.buildRequest(op, body, deployment),
    transformResponse: (op, json, model, body) =>
      op === "responses"
        ? toResponse(chat.transformResponse!("chat", json, model, body), { model, request: {} })
        : chat.transformResponse!(op, json, model, body),
    createStreamTranslator: (model, includeUsage, op) =>
      op === "responses" ? responsesStream(chat, model) : chat.createStreamTranslator!(model, includeUsage, op),
    unsupportedParams: (op, body) =>
      op === "responses" ? untranslatedParams(body) : (chat.unsupportedParams?.(op, body) ?? []),
  };
}
