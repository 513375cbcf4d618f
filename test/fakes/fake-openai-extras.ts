// A stand-in for OpenAI's (and Azure OpenAI's) Responses, images, audio and moderation endpoints, on their real wire
// formats: JSON, the Responses API's named SSE events, binary audio, and multipart uploads (parsed with the
// platform's own form parser, not ours).
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export const FAKE_RESPONSES_USAGE = { input_tokens: 7, output_tokens: 3, total_tokens: 10 } as const;
export const FAKE_TRANSCRIPTION_SECONDS = 12;

export interface UploadedPart {
  filename: string;
  type: string;
  bytes: Buffer;
}

export interface ExtrasRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  headers: IncomingMessage["headers"];
  /** The JSON body, when it was JSON. */
  json?: any;
  /** A multipart body's text fields and files. */
  fields?: Record<string, string>;
  files?: Record<string, UploadedPart>;
}

export interface FakeOpenAiExtras {
  url: string;
  requests: ExtrasRequest[];
  /** The next `times` requests answer `status` with OpenAI's error body. */
  failNext(status: number, times?: number): void;
  close(): Promise<void>;
}

type Op = "responses" | "images" | "speech" | "transcriptions" | "moderations";
const ROUTE =
  /^(?:\/v1|\/openai(?:\/v1)?|\/openai\/deployments\/[^/]+)?\/(responses|images\/generations|audio\/speech|audio\/transcriptions|moderations)$/;
const OPS: Record<string, Op> = {
  responses: "responses",
  "images/generations": "images",
  "audio/speech": "speech",
  "audio/transcriptions": "transcriptions",
  moderations: "moderations",
};

/** The audio a text becomes: deterministic bytes covering every byte value, so a test can compare them exactly. */
export function fakeSpeech(input: string): Buffer {
  const seed = createHash("sha256").update(input).digest();
  return Buffer.from(Array.from({ length: 3000 }, (_, i) => (seed[i % seed.length]! + i) % 256));
}

function inputText(input: unknown): string {
  if (typeof input === "string") return input;
  if (!Array.isArray(input)) return "";
  const last = input.filter((item: any) => item?.role === "user").at(-1);
  if (typeof last?.content === "string") return last.content;
  return Array.isArray(last?.content) ? last.content.map((part: any) => part?.text ?? "").join("") : "";
}

function responseObject(body: any, status: "in_progress" | "completed", text: string) {
  return {
    id: "resp_fake_1",
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status,
    error: null,
    model: body.model,
    output:
      status === "completed"
        ? [
            {
              id: "msg_fake_1",
              type: "message",
              status: "completed",
              role: "assistant",
              content: [{ type: "output_text", text, annotations: [] }],
            },
          ]
        : [],
    usage: status === "completed" ? FAKE_RESPONSES_USAGE : null,
  };
}

/** OpenAI's event order for a one-message reply, each frame with its `event:` line. */
function responseEvents(body: any, text: string): string[] {
  let sequence = 0;
  const frame = (type: string, fields: object) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`;
  const where = { item_id: "msg_fake_1", output_index: 0, content_index: 0 };
  const half = Math.ceil(text.length / 2);
  return [
    frame("response.created", { response: responseObject(body, "in_progress", text) }),
    frame("response.in_progress", { response: responseObject(body, "in_progress", text) }),
    frame("response.output_item.added", {
      output_index: 0,
      item: { id: "msg_fake_1", type: "message", status: "in_progress", role: "assistant", content: [] },
    }),
    frame("response.output_text.delta", { ...where, delta: text.slice(0, half), logprobs: [] }),
    frame("response.output_text.delta", { ...where, delta: text.slice(half), logprobs: [] }),
    frame("response.output_text.done", { ...where, text, logprobs: [] }),
    frame("response.completed", { response: responseObject(body, "completed", text) }),
  ];
}

async function readForm(raw: Buffer, contentType: string) {
  const form = await new Response(raw, { headers: { "content-type": contentType } }).formData();
  const fields: Record<string, string> = {};
  const files: Record<string, UploadedPart> = {};
  for (const [name, value] of form.entries()) {
    if (typeof value === "string") fields[name] = value;
    else files[name] = { filename: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) };
  }
  return { fields, files };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function reply(op: Op, request: ExtrasRequest, res: ServerResponse): void {
  const body = request.json ?? {};
  if (op === "responses") {
    const text = `echo: ${inputText(body.input)}`;
    if (body.stream !== true) return json(res, 200, responseObject(body, "completed", text));
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (const frame of responseEvents(body, text)) res.write(frame);
    return void res.end();
  }
  if (op === "images") {
    const data = Array.from({ length: body.n ?? 1 }, (_, i) => ({
      url: `https://images.example/${i}.png`,
      revised_prompt: body.prompt,
    }));
    return json(res, 200, { created: Math.floor(Date.now() / 1000), data });
  }
  if (op === "speech") {
    const audio = fakeSpeech(String(body.input));
    res.writeHead(200, { "content-type": body.response_format === "wav" ? "audio/wav" : "audio/mpeg" });
    // In three writes: the proxy must relay the bytes as they come.
    res.write(audio.subarray(0, 1000));
    res.write(audio.subarray(1000, 2000));
    return void res.end(audio.subarray(2000));
  }
  if (op === "transcriptions") {
    const file = request.files?.file;
    const text = `transcript of ${file?.filename} (${file?.bytes.length} bytes)`;
    const format = request.fields?.response_format ?? "json";
    if (format === "text") return void res.writeHead(200, { "content-type": "text/plain" }).end(`${text}\n`);
    if (format === "verbose_json")
      return json(res, 200, { task: "transcribe", duration: FAKE_TRANSCRIPTION_SECONDS, text });
    return json(res, 200, { text, usage: { type: "duration", seconds: FAKE_TRANSCRIPTION_SECONDS } });
  }
  const flagged = String(body.input).includes("kill");
  json(res, 200, {
    id: "modr-fake-1",
    model: body.model,
    results: [{ flagged, categories: { violence: flagged }, category_scores: { violence: flagged ? 0.9 : 0.01 } }],
  });
}

export async function startFakeOpenAiExtras(): Promise<FakeOpenAiExtras> {
  const requests: ExtrasRequest[] = [];
  const failures: number[] = [];
  const sockets = new Set<Socket>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = req.url ?? "/";
    const op = OPS[ROUTE.exec(url.split("?")[0]!)?.[1] ?? ""];
    const request: ExtrasRequest = { method: req.method ?? "", path: url, headers: req.headers };
    const type = req.headers["content-type"] ?? "";
    if (type.startsWith("application/json")) request.json = JSON.parse(raw.toString("utf8"));
    else if (type.startsWith("multipart/form-data")) Object.assign(request, await readForm(raw, type));
    requests.push(request);
    if (req.method !== "POST" || !op)
      return json(res, 404, { error: { message: "Not found", type: "invalid_request_error" } });
    const status = failures.shift();
    if (status !== undefined) {
      const type = status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
      return json(res, status, { error: { message: `fake failure ${status}`, type, param: null, code: null } });
    }
    reply(op, request, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => json(res, 500, { error: { message: "fake crashed", type: "server_error" } }));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(status, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
