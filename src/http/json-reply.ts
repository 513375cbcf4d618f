import type { ServerResponse } from "node:http";

/** A JSON reply already serialised: one writeHead with its length, then the text. */
export function writeJsonText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
