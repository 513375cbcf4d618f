// A stand-in for Bedrock's runtime API: POST /model/{modelId}/converse and /converse-stream (and /invoke for Titan
// text embeddings), JSON in and out, the stream as AWS binary event-stream messages (encoded with the same Smithy
// codec the proxy decodes with), errors as Bedrock sends them (x-amzn-ErrorType header, {"message": ...} body).
// Every request's SigV4 signature is recomputed with aws4 from the secret the fake knows for its access key id: a
// wrong signature is a 403, as at AWS.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { EventStreamCodec, type MessageHeaders } from "@smithy/core/event-streams";
import aws4 from "aws4";

export const FAKE_BEDROCK_USAGE = { inputTokens: 10, outputTokens: 5, totalTokens: 15 } as const;
export const FAKE_TOOL_INPUT = { city: "Paris" } as const;

export interface FakeCredential {
  secretAccessKey: string;
  /** When set, a request signed with this key must carry it as x-amz-security-token. */
  sessionToken?: string;
}

export interface BedrockRequest {
  path: string;
  action: "converse" | "converse-stream" | "invoke";
  /** The model id, URL-decoded from the path. */
  modelId: string;
  stream: boolean;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  body: any;
  /** The region of the signature's credential scope, when signed. */
  region?: string;
  aborted: boolean;
}

export type BedrockBehavior =
  | { kind: "error"; status: number; errorType: string; message: string }
  /** The stream starts, then an exception message arrives inside it, as Bedrock sends throttling mid-stream. */
  | { kind: "stream-exception"; exceptionType: string; message: string }
  /** A stream whose second message fails its checksum. */
  | { kind: "corrupt-stream" }
  | { kind: "drop" };

export interface FakeBedrock {
  url: string;
  requests: BedrockRequest[];
  script(modelId: string, behavior: BedrockBehavior, times?: number): void;
  reset(): void;
  close(): Promise<void>;
}

const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/;
/** Titan text embeddings v2's InvokeModel body. */
const TITAN_FIELDS = new Set(["inputText", "dimensions", "normalize", "embeddingTypes"]);
/** What the fake's Titan answers; `dimensions` long when asked (v2 takes 256, 512 or 1024). */
export const FAKE_TITAN_EMBEDDING = [0.25, -0.5, 0.125, 1] as const;
export const FAKE_TITAN_TOKENS = 7;
const TOP_LEVEL_FIELDS = new Set([
  "messages",
  "system",
  "inferenceConfig",
  "toolConfig",
  "guardrailConfig",
  "additionalModelRequestFields",
  "additionalModelResponseFieldPaths",
  "promptVariables",
  "requestMetadata",
  "performanceConfig",
]);

interface Rejection {
  status: number;
  errorType: string;
  message: string;
}

const textEncoder = new TextEncoder();
const codec = new EventStreamCodec(
  (bytes: Uint8Array) => new TextDecoder().decode(bytes),
  (text: string) => textEncoder.encode(text),
);

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/bedrock/aws4_request, SignedHeaders=a;b, Signature=hex`. */
function parseAuthorization(value: string): { keyId: string; region: string; signedHeaders: string[] } | undefined {
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/bedrock\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(
      value,
    );
  if (!match) return undefined;
  return { keyId: match[1]!, region: match[2]!, signedHeaders: match[3]!.split(";") };
}

/** Recomputes the signature over what arrived (the signed headers, the path as sent, the raw body). */
function checkSignature(
  req: IncomingMessage,
  raw: string,
  keys: ReadonlyMap<string, FakeCredential>,
): Rejection | string {
  const authorization = header(req, "authorization");
  if (authorization === undefined)
    return { status: 403, errorType: "MissingAuthenticationTokenException", message: "Missing Authentication Token" };
  const parsed = parseAuthorization(authorization);
  if (parsed === undefined)
    return {
      status: 403,
      errorType: "IncompleteSignatureException",
      message: "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.",
    };
  const known = keys.get(parsed.keyId);
  if (known === undefined)
    return {
      status: 403,
      errorType: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    };
  const token = header(req, "x-amz-security-token");
  if (known.sessionToken !== undefined && token !== known.sessionToken) {
    return {
      status: 403,
      errorType: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    };
  }
  const headers: Record<string, string> = {};
  for (const name of parsed.signedHeaders) headers[name] = header(req, name) ?? "";
  const request = {
    host: header(req, "host"),
    path: req.url,
    method: "POST",
    service: "bedrock",
    region: parsed.region,
    body: raw,
    headers,
  };
  aws4.sign(request, { accessKeyId: parsed.keyId, secretAccessKey: known.secretAccessKey, sessionToken: token });
  if (request.headers.Authorization !== authorization) {
    return {
      status: 403,
      errorType: "InvalidSignatureException",
      message:
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    };
  }
  return parsed.region;
}

function blocksHold(body: any, kind: "toolUse" | "toolResult"): boolean {
  return (
    Array.isArray(body?.messages) &&
    body.messages.some((m: any) => Array.isArray(m?.content) && m.content.some((b: any) => b?.[kind] !== undefined))
  );
}

/** Bedrock's own checks that OpenAI does not make: alternation, known fields, a toolConfig for tool blocks. */
function validate(body: any): Rejection | undefined {
  const invalid = (message: string): Rejection => ({ status: 400, errorType: "ValidationException", message });
  const extra = Object.keys(body ?? {}).find((key) => !TOP_LEVEL_FIELDS.has(key));
  if (extra !== undefined) return invalid(`Malformed input request: extraneous key [${extra}] is not permitted`);
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  if (messages.length === 0 || messages[0]?.role !== "user")
    return invalid("A conversation must start with a user message.");
  for (let i = 1; i < messages.length; i++) {
    if (messages[i].role === messages[i - 1].role)
      return invalid("A conversation must alternate between user and assistant roles.");
  }
  if (messages.some((m) => !Array.isArray(m.content) || m.content.length === 0))
    return invalid("The content field in the Message object is empty.");
  if ((blocksHold(body, "toolUse") || blocksHold(body, "toolResult")) && !Array.isArray(body?.toolConfig?.tools)) {
    return invalid("The toolConfig field must be defined when using toolUse and toolResult content blocks.");
  }
  return undefined;
}

/** Titan text embeddings: one `inputText`, and only its own fields. */
function validateTitan(body: any): Rejection | undefined {
  const extra = Object.keys(body ?? {}).find((key) => !TITAN_FIELDS.has(key));
  if (extra !== undefined) {
    return {
      status: 400,
      errorType: "ValidationException",
      message: `Malformed input request: extraneous key [${extra}] is not permitted`,
    };
  }
  if (typeof body?.inputText !== "string") {
    return {
      status: 400,
      errorType: "ValidationException",
      message: "Malformed input request: #: required key [inputText] not found",
    };
  }
  return undefined;
}

function replyTitan(res: ServerResponse, body: any): void {
  const size = typeof body.dimensions === "number" ? body.dimensions : FAKE_TITAN_EMBEDDING.length;
  const embedding = Array.from({ length: size }, (_, i) => FAKE_TITAN_EMBEDDING[i % FAKE_TITAN_EMBEDDING.length]);
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ embedding, inputTextTokenCount: FAKE_TITAN_TOKENS }));
}

function lastUserText(body: any): string {
  const last = body.messages.filter((m: any) => m.role === "user").at(-1);
  return (last?.content ?? []).map((b: any) => (typeof b?.text === "string" ? b.text : "")).join("");
}

type Answer = { text: string } | { toolUse: { toolUseId: string; name: string; input: object } };

function answerFor(body: any): { block: Answer; stopReason: string } {
  const text = lastUserText(body);
  const tool: unknown = body.toolConfig?.tools?.[0]?.toolSpec?.name;
  if (typeof tool === "string" && text.includes("use tool")) {
    return {
      block: { toolUse: { toolUseId: "tooluse_1", name: tool, input: FAKE_TOOL_INPUT } },
      stopReason: "tool_use",
    };
  }
  return { block: { text: `echo: ${text}` }, stopReason: "end_turn" };
}

function eventMessage(name: string, payload: object): Uint8Array {
  const headers: MessageHeaders = {
    ":message-type": { type: "string", value: "event" },
    ":event-type": { type: "string", value: name },
    ":content-type": { type: "string", value: "application/json" },
  };
  // Bedrock pads payloads with a "p" field so their length says nothing about the content.
  return codec.encode({ headers, body: textEncoder.encode(JSON.stringify({ ...payload, p: "abcdefgh" })) });
}

function exceptionMessage(exceptionType: string, message: string): Uint8Array {
  const headers: MessageHeaders = {
    ":message-type": { type: "string", value: "exception" },
    ":exception-type": { type: "string", value: exceptionType },
    ":content-type": { type: "string", value: "application/json" },
  };
  return codec.encode({ headers, body: textEncoder.encode(JSON.stringify({ message })) });
}

function streamMessages(block: Answer, stopReason: string): Uint8Array[] {
  const index = { contentBlockIndex: 0 };
  const body =
    "text" in block
      ? [block.text.slice(0, 3), block.text.slice(3)].map((text) =>
          eventMessage("contentBlockDelta", { ...index, delta: { text } }),
        )
      : [
          eventMessage("contentBlockStart", {
            ...index,
            start: { toolUse: { toolUseId: block.toolUse.toolUseId, name: block.toolUse.name } },
          }),
          ...[`{"city":`, `"Paris"}`].map((input) =>
            eventMessage("contentBlockDelta", { ...index, delta: { toolUse: { input } } }),
          ),
        ];
  return [
    eventMessage("messageStart", { role: "assistant" }),
    ...body,
    eventMessage("contentBlockStop", index),
    eventMessage("messageStop", { stopReason }),
    eventMessage("metadata", { usage: FAKE_BEDROCK_USAGE, metrics: { latencyMs: 12 } }),
  ];
}

function sendError(res: ServerResponse, rejection: Rejection): void {
  res.writeHead(rejection.status, {
    "content-type": "application/json",
    "x-amzn-errortype": `${rejection.errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
  });
  res.end(JSON.stringify({ message: rejection.message }));
}

/** Each message goes in two writes, so the proxy meets messages split across reads. */
function sendStream(res: ServerResponse, messages: Uint8Array[]): void {
  res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": "fake-request" });
  for (const message of messages) {
    res.write(message.subarray(0, 5));
    res.write(message.subarray(5));
  }
  res.end();
}

function reply(res: ServerResponse, request: BedrockRequest, behavior: BedrockBehavior | undefined): void {
  if (behavior?.kind === "error") return sendError(res, behavior);
  const { block, stopReason } = answerFor(request.body);
  if (!request.stream) {
    const output = { message: { role: "assistant", content: [block] } };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ output, stopReason, usage: FAKE_BEDROCK_USAGE, metrics: { latencyMs: 12 } }));
    return;
  }
  const messages = streamMessages(block, stopReason);
  if (behavior?.kind === "stream-exception") {
    return sendStream(res, [...messages.slice(0, 2), exceptionMessage(behavior.exceptionType, behavior.message)]);
  }
  if (behavior?.kind === "corrupt-stream") {
    const broken = Uint8Array.from(messages[1]!);
    broken[broken.length - 1] = (broken[broken.length - 1]! + 1) % 256;
    return sendStream(res, [messages[0]!, broken]);
  }
  sendStream(res, messages);
}

interface Script {
  modelId: string;
  behavior: BedrockBehavior;
  remaining: number | undefined;
}

/** `credentials`: access key id → what the fake knows about it; a signature by any other key is refused. */
export async function startFakeBedrock(credentials: Record<string, FakeCredential>): Promise<FakeBedrock> {
  const keys = new Map(Object.entries(credentials));
  const requests: BedrockRequest[] = [];
  let scripts: Script[] = [];
  const sockets = new Set<Socket>();

  const nextBehavior = (modelId: string): BedrockBehavior | undefined => {
    for (const script of [...scripts].reverse()) {
      if (script.modelId !== "*" && script.modelId !== modelId) continue;
      if (script.remaining === undefined) return script.behavior;
      if (script.remaining > 0) {
        script.remaining -= 1;
        return script.behavior;
      }
    }
    return undefined;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const route = ROUTE.exec((req.url ?? "").split("?")[0] ?? "");
    if (req.method !== "POST" || !route)
      return sendError(res, { status: 404, errorType: "UnknownOperationException", message: "Not Found" });
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return sendError(res, { status: 400, errorType: "SerializationException", message: "Malformed JSON" });
    }
    const request: BedrockRequest = {
      path: req.url ?? "",
      modelId: decodeURIComponent(route[1]!),
      action: route[2] as BedrockRequest["action"],
      stream: route[2] === "converse-stream",
      headers: req.headers,
      rawBody: raw,
      body,
      aborted: false,
    };
    requests.push(request);
    res.once("close", () => (request.aborted = !res.writableEnded));
    const signature = checkSignature(req, raw, keys);
    if (typeof signature !== "string") return sendError(res, signature);
    request.region = signature;
    const invalid = request.action === "invoke" ? validateTitan(body) : validate(body);
    if (invalid) return sendError(res, invalid);
    const behavior = nextBehavior(request.modelId);
    if (behavior?.kind === "drop") return void req.socket.destroy();
    if (request.action === "invoke" && behavior?.kind !== "error") return replyTitan(res, request.body);
    reply(res, request, behavior);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => (res.headersSent ? res.destroy() : res.writeHead(500).end()));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (modelId, behavior, times) => void scripts.push({ modelId, behavior, remaining: times }),
    reset() {
      scripts = [];
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      }),
  };
}
