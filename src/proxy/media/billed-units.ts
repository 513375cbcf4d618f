// What an image, speech or transcription call is billed by when its model is not priced per token: LiteLLM's cost
// map prices images per image (or per pixel), speech per input character and transcriptions per second of audio.
import type { CostMapEntry } from "../../cost/cost-map.js";
import type { ProxyOperation } from "../provider-adapter.js";

export interface BilledUnits {
  images?: number;
  /** Pixels of all images together (`size` × `n`), for `input_cost_per_pixel`. */
  pixels?: number;
  characters?: number;
  seconds?: number;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

/** Speech is always audio; a transcription asked for as text, srt or vtt comes back as text. Both are relayed. */
export function isMediaReply(op: ProxyOperation, contentType: string | undefined): boolean {
  if (op === "audio_speech") return true;
  return op === "audio_transcription" && (contentType === undefined || !JSON_TYPE.test(contentType));
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function imageUnits(body: Readonly<Record<string, unknown>>, reply: unknown): BilledUnits {
  const data = (reply as { data?: unknown } | null | undefined)?.data;
  const images = Array.isArray(data) ? data.length : (count(body.n) ?? 1);
  const size = typeof body.size === "string" ? /^(\d{1,5})x(\d{1,5})$/.exec(body.size) : null;
  return size ? { images, pixels: images * Number(size[1]) * Number(size[2]) } : { images };
}

/** OpenAI reports a transcription's length as `duration` (verbose_json) or `usage.seconds` (whisper's json). */
function transcriptionSeconds(reply: unknown): BilledUnits | undefined {
  const json = reply as { duration?: unknown; usage?: { type?: unknown; seconds?: unknown } } | null | undefined;
  const seconds = count(json?.duration) ?? (json?.usage?.type === "duration" ? count(json.usage.seconds) : undefined);
  return seconds === undefined ? undefined : { seconds };
}

/** The units of one call, from its request and (when JSON) its reply; undefined for token-priced operations. */
export function billedUnitsOf(
  op: ProxyOperation,
  body: Readonly<Record<string, unknown>>,
  reply: unknown,
): BilledUnits | undefined {
  switch (op) {
    case "image_generation":
      return imageUnits(body, reply);
    case "audio_speech":
      return typeof body.input === "string" ? { characters: [...body.input].length } : undefined;
    case "audio_transcription":
      return transcriptionSeconds(reply);
    default:
      return undefined;
  }
}

/** The media price fields a deployment's model_info may set, as LiteLLM's cost map names them. */
export const MEDIA_PRICE_FIELDS = [
  "output_cost_per_image",
  "input_cost_per_image",
  "input_cost_per_pixel",
  "input_cost_per_character",
  "input_cost_per_second",
] as const;

function price(entry: CostMapEntry, field: (typeof MEDIA_PRICE_FIELDS)[number]): number | undefined {
  const value = entry[field];
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** USD for the units, or undefined when the entry prices none of them (the call may still be priced per token). */
export function unitCost(entry: CostMapEntry | undefined, units: BilledUnits): number | undefined {
  if (!entry) return undefined;
  const parts: number[] = [];
  const perImage = price(entry, "output_cost_per_image") ?? price(entry, "input_cost_per_image");
  const perPixel = price(entry, "input_cost_per_pixel");
  if (units.images !== undefined && perImage !== undefined) parts.push(perImage * units.images);
  else if (units.pixels !== undefined && perPixel !== undefined) parts.push(perPixel * units.pixels);
  const perCharacter = price(entry, "input_cost_per_character");
  if (units.characters !== undefined && perCharacter !== undefined) parts.push(perCharacter * units.characters);
  const perSecond = price(entry, "input_cost_per_second");
  if (units.seconds !== undefined && perSecond !== undefined) parts.push(perSecond * units.seconds);
  if (parts.length === 0) return undefined;
  const cost = parts.reduce((sum, part) => sum + part, 0);
  return Number.isFinite(cost) ? cost : undefined;
}
