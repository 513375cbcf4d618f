// AWS's binary event stream (application/vnd.amazon.eventstream), as ConverseStream sends it: length-prefixed messages
// whose checksums, headers and payload the Smithy codec validates and decodes. Each message becomes one named event
// for the stream translator; exceptions sent inside the stream become an `error` event.
import { EventStreamCodec, type Message } from "@smithy/core/event-streams";
import { ApiError } from "../../errors/api-error.js";
import type { StreamEvent } from "../provider-adapter.js";

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

/** A codec per stream: it keeps no state across decode() calls, but nothing is shared between streams either way. */
function createCodec(): EventStreamCodec {
  return new EventStreamCodec(
    (bytes: Uint8Array) => textDecoder.decode(bytes),
    (text: string) => textEncoder.encode(text),
  );
}

/** The event stream format's own ceiling on one message; a larger length prefix is corruption, not data. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Total length (4) + headers length (4) + prelude checksum (4) + message checksum (4). */
const MIN_MESSAGE_BYTES = 16;

function corrupt(detail: string): ApiError {
  return ApiError.upstreamError(502, "BedrockException", {
    message: `Bedrock sent an unreadable event stream: ${detail}`,
    type: "server_error",
    code: "upstream_stream_error",
  });
}

function headerText(message: Message, name: string): string | undefined {
  const header = message.headers[name];
  return header?.type === "string" ? header.value : undefined;
}

function eventOf(message: Message): StreamEvent {
  const payload = textDecoder.decode(message.body);
  const kind = headerText(message, ":message-type");
  if (kind === "event") return { event: headerText(message, ":event-type") ?? "", data: payload };
  // An exception names itself in a header and explains itself in the payload ({"message": ...}); an error
  // message carries both in headers.
  let text = headerText(message, ":error-message");
  if (text === undefined) {
    try {
      const parsed: unknown = JSON.parse(payload);
      const inner = (parsed as { message?: unknown } | null)?.message;
      text = typeof inner === "string" ? inner : undefined;
    } catch {
      text = undefined;
    }
  }
  const type = headerText(message, ":exception-type") ?? headerText(message, ":error-code") ?? "unknownException";
  return { event: "error", data: JSON.stringify({ type, message: text ?? "" }) };
}

function decodeOne(codec: EventStreamCodec, bytes: Uint8Array): StreamEvent {
  try {
    return eventOf(codec.decode(bytes));
  } catch (error) {
    throw corrupt(error instanceof Error ? error.message : "undecodable message");
  }
}

/** Splits the body at message boundaries (the first 4 bytes of each message are its length) and decodes each. */
export async function* decodeEventStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<StreamEvent> {
  const codec = createCodec();
  let buffered: Buffer = Buffer.alloc(0);
  for await (const chunk of body) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    buffered = buffered.length === 0 ? bytes : Buffer.concat([buffered, bytes]);
    while (buffered.length >= 4) {
      const length = buffered.readUInt32BE(0);
      if (length < MIN_MESSAGE_BYTES || length > MAX_MESSAGE_BYTES) throw corrupt(`a message of ${length} bytes`);
      if (buffered.length < length) break;
      yield decodeOne(codec, buffered.subarray(0, length));
      buffered = buffered.subarray(length);
    }
  }
  if (buffered.length > 0) throw corrupt("the stream ended inside a message");
}
