// The thinnest Node proxy we can write (no auth, routing, logging or metrics): node:http in, one undici pool out.
// bench:overhead runs it beside Switchboard as the floor of what any Node proxy costs on the machine at hand.
import { createServer } from "node:http";
import { Agent } from "undici";

const upstream = new URL(process.env.UPSTREAM ?? "http://127.0.0.1:0/v1");
const agent = new Agent({ connections: 256, keepAliveTimeout: 30_000 });

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", async () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const reply = await agent.request({
        origin: upstream.origin,
        path: `${upstream.pathname}/chat/completions`,
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer sk-upstream" },
        body: JSON.stringify(body),
      });
      if (body.stream) {
        res.writeHead(reply.statusCode, { "content-type": "text/event-stream" });
        reply.body.pipe(res);
      } else {
        const text = await reply.body.text();
        res.writeHead(reply.statusCode, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(text),
        });
        res.end(text);
      }
    } catch (error) {
      res.writeHead(502).end(String(error)); // also the answer to bench's start-up probe (a GET without a body)
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
