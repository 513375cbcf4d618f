// Reads the usage frame of an OpenAI-compatible stream as it is relayed, and removes it when the caller did not ask
// for it (the proxy did, for spend). Chunks are passed on as the same Buffers: only the bytes of an unfinished line
// are held back (so a frame split across chunks is seen whole), and only a line carrying a usage object is parsed.
import { Transform, type TransformCallback } from "node:stream";

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const USAGE_KEY = Buffer.from('"usage"');
/** A usage frame is a few hundred bytes: a longer unfinished line is passed on as it is, unread. */
const MAX_HELD_LINE = 16_384;

export interface StreamUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface UsageScanner {
  /** The relayed stream: the upstream's bytes, minus the usage frame when `strip` is set. */
  stream: Transform;
  /** The last usage the stream reported, once it came. */
  usage(this: void): StreamUsage | undefined;
}

/** `"usage"` followed by `:` and `{`, spaces allowed: a usage object, not `"usage":null` nor text (quotes are escaped there). */
function hasUsageObject(line: Buffer): boolean {
  for (let at = line.indexOf(USAGE_KEY); at !== -1; at = line.indexOf(USAGE_KEY, at + 1)) {
    let i = at + USAGE_KEY.length;
    while (line[i] === 0x20) i++;
    if (line[i++] !== 0x3a) continue; // ':'
    while (line[i] === 0x20) i++;
    if (line[i] === 0x7b) return true; // '{'
  }
  return false;
}

/** `data: {...}` → its JSON, or undefined when the line is something else. */
function frameJson(line: Buffer): Record<string, unknown> | undefined {
  const text = line.toString("utf8").trim();
  if (!text.startsWith("data:")) return undefined;
  try {
    const json = JSON.parse(text.slice(5)) as unknown;
    return typeof json === "object" && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

type FrameUsage = {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  input_tokens?: unknown;
  output_tokens?: unknown;
};

/** A chat or completions usage chunk, or the Responses API's response.completed / response.incomplete event. */
function usageOf(json: Record<string, unknown>): StreamUsage | undefined {
  let usage = json.usage as FrameUsage | null | undefined;
  if (usage === undefined && typeof json.type === "string" && json.type.startsWith("response."))
    usage = (json.response as { usage?: FrameUsage } | undefined)?.usage;
  if (typeof usage?.prompt_tokens === "number") {
    const completion = typeof usage.completion_tokens === "number" ? usage.completion_tokens : 0;
    return { promptTokens: usage.prompt_tokens, completionTokens: completion };
  }
  if (typeof usage?.input_tokens !== "number") return undefined;
  const output = typeof usage.output_tokens === "number" ? usage.output_tokens : 0;
  return { promptTokens: usage.input_tokens, completionTokens: output };
}

/** The end of the blank line that closes a frame, when it starts at `at`; -1 when it is not (yet) there. */
function blankLineEnd(buffer: Buffer, at: number): number {
  if (buffer[at] === NEWLINE) return at + 1;
  if (buffer[at] === CARRIAGE_RETURN && buffer[at + 1] === NEWLINE) return at + 2;
  return -1;
}

/**
 * `rewrite`, when given, is applied to every chunk passed on (the secret mask, see secret-mask-stream.ts): one
 * Transform per stream rather than two, and it sees whole lines.
 */
export function createUsageScanner(strip: boolean, rewrite?: (chunk: Buffer) => Buffer): UsageScanner {
  let usage: StreamUsage | undefined;
  let held: Buffer | undefined; // an unfinished line
  let passingLongLine = false; // inside a line too long to be a usage frame: passed on as it comes
  let dropBlankLine = false; // the usage frame was removed, its closing blank line has not come yet

  /** Reads and (when stripping) removes the usage frames among these complete lines. */
  function scan(lines: Buffer): Buffer {
    let out: Buffer[] | undefined;
    let kept = 0;
    for (let at = lines.indexOf(USAGE_KEY); at !== -1; at = lines.indexOf(USAGE_KEY, at + 1)) {
      const start = lines.lastIndexOf(NEWLINE, at) + 1;
      if (start < kept) continue; // this line was removed already
      const newline = lines.indexOf(NEWLINE, at);
      const end = newline === -1 ? lines.length : newline + 1;
      const line = lines.subarray(start, end);
      if (!hasUsageObject(line)) continue;
      const json = frameJson(line);
      const found = json && usageOf(json);
      if (!found) continue;
      usage = found;
      if (!strip || !Array.isArray(json.choices) || json.choices.length > 0) continue;
      out ??= [];
      out.push(lines.subarray(kept, start));
      const blank = blankLineEnd(lines, end);
      dropBlankLine = blank === -1 && end === lines.length;
      kept = blank === -1 ? end : blank;
      at = kept - 1;
    }
    if (!out) return lines;
    out.push(lines.subarray(kept));
    return Buffer.concat(out);
  }

  /** The bytes of `chunk` that may be passed on now; the rest is held until its line ends. */
  function complete(chunk: Buffer): Buffer | undefined {
    let data = held ? Buffer.concat([held, chunk]) : chunk;
    held = undefined;
    if (dropBlankLine) {
      dropBlankLine = false;
      const blank = blankLineEnd(data, 0);
      if (blank !== -1) data = data.subarray(blank);
    }
    if (passingLongLine) {
      const newline = data.indexOf(NEWLINE);
      if (newline === -1) return data;
      passingLongLine = false;
      return Buffer.concat([data.subarray(0, newline + 1), scan(data.subarray(newline + 1))]);
    }
    const lastNewline = data.lastIndexOf(NEWLINE);
    if (lastNewline === data.length - 1) return scan(data);
    const tail = data.subarray(lastNewline + 1);
    if (tail.length > MAX_HELD_LINE) {
      passingLongLine = true;
      return lastNewline === -1 ? data : Buffer.concat([scan(data.subarray(0, lastNewline + 1)), tail]);
    }
    held = tail;
    return lastNewline === -1 ? undefined : scan(data.subarray(0, lastNewline + 1));
  }

  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      const out = complete(chunk);
      done(null, out && out.length > 0 ? (rewrite ? rewrite(out) : out) : undefined);
    },
    flush(done: TransformCallback) {
      const rest = held;
      held = undefined;
      // A last line without its newline is still read: a stream cut short right after the usage frame counts.
      const out = rest && !passingLongLine ? scan(rest) : rest;
      done(null, out && out.length > 0 ? (rewrite ? rewrite(out) : out) : undefined);
    },
  });

  return { stream, usage: () => usage };
}
