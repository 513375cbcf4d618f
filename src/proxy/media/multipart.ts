// multipart/form-data (RFC 7578) for audio transcriptions: the caller's upload parsed into fields and files, and
// re-encoded for the upstream with the deployment's model name. Pure functions over bytes; reading the request
// (within the proxy's body limits) is the HTTP layer's.
import { randomUUID } from "node:crypto";
import { ApiError } from "../../errors/api-error.js";
import type { Deployment } from "../../registry/deployment.js";
import { droppedParamsOf, type UpstreamRequest } from "../provider-adapter.js";

/** One uploaded file; the bytes stay a view into the body that was read, never copied. */
export class UploadedFile {
  constructor(
    readonly filename: string,
    readonly contentType: string,
    readonly data: Buffer,
  ) {}
}

/** A form's fields (text) and files, by name; a repeated name keeps its last value, as OpenAI's server reads them. */
export type FormBody = Record<string, string | UploadedFile>;

const BOUNDARY = /boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i;
const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");
/** Forms are small: more parts than this is not an upload OpenAI takes, whatever the byte count. */
const MAX_PARTS = 64;

export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const match = BOUNDARY.exec(contentType);
  return match?.[1] ?? match?.[2];
}

function invalidForm(detail: string): ApiError {
  return ApiError.badRequest(`Invalid multipart/form-data body: ${detail}`);
}

interface PartHeaders {
  name: string;
  filename?: string;
  contentType: string;
}

/** `Content-Disposition: form-data; name="file"; filename="a.mp3"` and `Content-Type`. */
function partHeaders(text: string): PartHeaders {
  let disposition = "";
  let contentType = "application/octet-stream";
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") disposition = value;
    else if (name === "content-type" && value !== "") contentType = value;
  }
  const field = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1];
  if (field === undefined || field === "") throw invalidForm("a part has no name");
  const filename = /(?:^|;)\s*filename="([^"]*)"/i.exec(disposition)?.[1];
  return { name: field, filename, contentType };
}

/** The form in `body`; throws a 400 naming what is malformed. */
export function parseMultipart(body: Buffer, boundary: string): FormBody {
  const delimiter = Buffer.from(`--${boundary}`);
  const form: FormBody = Object.create(null) as FormBody;
  let at = body.indexOf(delimiter);
  if (at === -1) throw invalidForm("the boundary never occurs");
  for (let parts = 0; ; parts++) {
    at += delimiter.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return form; // "--": the closing delimiter
    if (parts >= MAX_PARTS) throw invalidForm(`more than ${MAX_PARTS} parts`);
    if (!body.subarray(at, at + 2).equals(CRLF)) throw invalidForm("a delimiter is not followed by a line break");
    const headerEnd = body.indexOf(HEADER_END, at);
    if (headerEnd === -1) throw invalidForm("a part's headers never end");
    const headers = partHeaders(body.subarray(at + 2, headerEnd).toString("utf8"));
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), headerEnd + 4);
    if (next === -1) throw invalidForm("the closing boundary is missing");
    const content = body.subarray(headerEnd + 4, next);
    form[headers.name] =
      headers.filename === undefined
        ? content.toString("utf8")
        : new UploadedFile(headers.filename, headers.contentType, content);
    at = next + CRLF.length;
  }
}

const quoted = (value: string) => value.replace(/["\r\n\\]/g, (c) => encodeURIComponent(c));

/** The form as bytes, with a fresh boundary; the file contents are referenced, not copied, until the final concat. */
export function encodeMultipart(form: Readonly<FormBody>): { body: Buffer; contentType: string } {
  const boundary = `switchboard-${randomUUID()}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(form)) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"`;
    if (value instanceof UploadedFile) {
      head += `; filename="${quoted(value.filename)}"\r\nContent-Type: ${value.contentType.replace(/[\r\n]/g, "")}`;
      chunks.push(Buffer.from(`${head}\r\n\r\n`), value.data, CRLF);
    } else chunks.push(Buffer.from(`${head}\r\n\r\n${value}\r\n`));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The caller's form for one deployment: its model name, without the fields it drops; everything else as sent. */
export function multipartRequest(
  url: string,
  headers: Record<string, string>,
  body: Readonly<Record<string, unknown>>,
  deployment: Deployment,
): UpstreamRequest {
  const form: FormBody = {};
  for (const [name, value] of Object.entries(body)) {
    if (value instanceof UploadedFile || typeof value === "string") form[name] = value;
    else if (typeof value === "number" || typeof value === "boolean") form[name] = String(value);
    else if (Array.isArray(value)) form[name] = value.join(",");
  }
  form.model = deployment.upstreamModel;
  for (const name of droppedParamsOf(deployment) ?? []) delete form[name];
  const encoded = encodeMultipart(form);
  return { url, headers: { ...headers, "content-type": encoded.contentType }, body: encoded.body };
}
