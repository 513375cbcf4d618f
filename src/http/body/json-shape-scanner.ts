/** What the scanner found over the limits, or undefined while the body is within them. */
export type ShapeProblem = "depth" | "elements";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

/**
 * Tracks the nesting depth and the element count of a JSON text as its chunks arrive, so a hostile body is refused
 * before JSON.parse builds it. It does not validate: JSON.parse does that later. Elements are counted as the
 * containers opened plus the commas between values, outside strings. Strings are skipped with Buffer.indexOf (the
 * bulk of a real body is string: prompts, base64 images), the rest is one pass over the bytes.
 */
export class JsonShapeScanner {
  private depth = 0;
  private elements = 0;
  private inString = false;
  /** The previous chunk ended inside a string on an unpaired backslash: this chunk's first byte is escaped. */
  private escapePending = false;

  constructor(
    private readonly maxDepth: number,
    private readonly maxElements: number,
  ) {}

  /** Scans the next chunk; a problem once a limit is passed (the scanner is then done with this body). */
  scan(chunk: Uint8Array): ShapeProblem | undefined {
    const length = chunk.length;
    const { maxDepth, maxElements } = this;
    // State in locals for the loop: the byte loop is the reader's hot part.
    let depth = this.depth;
    let elements = this.elements;
    let problem: ShapeProblem | undefined;
    let i = this.inString ? this.skipString(chunk, 0) : 0;
    while (i < length) {
      const byte = chunk[i++]!;
      if (byte === QUOTE) {
        this.inString = true;
        i = this.skipString(chunk, i);
      } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
        if (++depth > maxDepth) problem = "depth";
        else if (++elements > maxElements) problem = "elements";
        else continue;
        break;
      } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
      else if (byte === COMMA && ++elements > maxElements) {
        problem = "elements";
        break;
      }
    }
    this.depth = depth;
    this.elements = elements;
    return problem;
  }

  /** From inside a string at `from`: the index after its closing quote, or the chunk's length. */
  private skipString(chunk: Uint8Array, from: number): number {
    let start = from;
    if (this.escapePending) {
      this.escapePending = false;
      start++;
    }
    for (;;) {
      const quote = chunk.indexOf(QUOTE, start);
      if (quote === -1) {
        this.escapePending = trailingBackslashes(chunk, start, chunk.length) % 2 === 1;
        return chunk.length;
      }
      // A quote after an odd run of backslashes is escaped; an even run is escaped backslashes.
      if (trailingBackslashes(chunk, start, quote) % 2 === 0) {
        this.inString = false;
        return quote + 1;
      }
      start = quote + 1;
    }
  }
}

/** How many backslashes end `chunk[from, to)`. */
function trailingBackslashes(chunk: Uint8Array, from: number, to: number): number {
  let i = to;
  while (i > from && chunk[i - 1] === BACKSLASH) i--;
  return to - i;
}
