import type { ApiError } from "./api-error.js";

/**
 * How a route family writes its errors when OpenAI's envelope alone is not what its clients read (the Anthropic
 * Messages routes). The error itself, its status and its headers stay the same; only the JSON around it differs.
 */
export interface ErrorShape {
  /** The JSON body of an error reply. */
  body(error: ApiError, requestId: string | undefined): unknown;
  /** The error as the last event of a stream whose status line has already gone out. */
  sseFrame(error: ApiError): string;
}
