// A minimal OpenAI-compatible upstream for bench:overhead: fixed replies, no work, so what is measured is the proxy.
import { createServer } from "node:http";

const completion = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1700000000,
  model: "bench-model",
  choices: [
    { index: 0, message: { role: "assistant", content: "Hello from the bench upstream." }, finish_reason: "stop" },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
});
const chunk = (delta, finish = null) =>
  `data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1700000000, model: "bench-model", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const frames = [
  chunk({ role: "assistant", content: "" }),
  ...["Hello", " from", " the", " bench."].map((t) => chunk({ content: t })),
  chunk({}, "stop"),
  "data: [DONE]\n\n",
];

const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    if (body.includes('"stream":true')) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (const frame of frames) res.write(frame);
      res.end();
    } else {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(completion) });
      res.end(completion);
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () =>
  process.stdout.write(`listening ${server.address().port}\n`),
);
process.on("SIGTERM", () => server.close(() => process.exit(0)));
