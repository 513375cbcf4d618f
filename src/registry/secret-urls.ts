// The secret parts of a URL-valued param (`api_base` and the like): its user info (`https://user:pass@host`) and its
// query values (`?api-key=...`). Parsed by hand, not with WHATWG URL, which rewrites the text (trailing slash, case,
// escapes): a masked URL sent back must compare equal to the mask we showed.

/** scheme://, user info (up to the authority's last `@`), host and path, query, fragment. */
const URL_SHAPE = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^/?#]*)@)?([^?#]*)(?:\?([^#]*))?(#.*)?$/is;

interface UrlParts {
  scheme: string;
  userinfo: string | undefined;
  rest: string;
  query: string[] | undefined;
  fragment: string;
}

/** Masks one part; user info is usually a person's password, so it may be masked with no hint at all. */
export type UrlPartMask = (secret: string, part: "userinfo" | "query") => string;

interface QueryPiece {
  /** `name=` (with its `=`), or "" for a bare piece such as `?sig`, which is a value as a whole. */
  head: string;
  value: string;
}

function parseUrl(value: string): UrlParts | undefined {
  const match = URL_SHAPE.exec(value);
  if (!match) return undefined;
  const [, scheme = "", userinfo, rest = "", query, fragment = ""] = match;
  return { scheme, userinfo, rest, query: query === undefined ? undefined : query.split("&"), fragment };
}

function splitPiece(piece: string): QueryPiece {
  const at = piece.indexOf("=");
  return at < 0 ? { head: "", value: piece } : { head: piece.slice(0, at + 1), value: piece.slice(at + 1) };
}

function format(parts: UrlParts): string {
  const userinfo = parts.userinfo === undefined ? "" : `${parts.userinfo}@`;
  const query = parts.query === undefined ? "" : `?${parts.query.join("&")}`;
  return `${parts.scheme}${userinfo}${parts.rest}${query}${parts.fragment}`;
}

/** True for a URL that carries user info or a non-empty query value. */
export function hasUrlSecrets(value: string): boolean {
  if (!value.includes("://") || (!value.includes("@") && !value.includes("?"))) return false;
  const parts = parseUrl(value);
  if (!parts) return false;
  return !!parts.userinfo || (parts.query ?? []).some((piece) => splitPiece(piece).value !== "");
}

/** The URL with its user info and every query value replaced by `mask`; host, path and query names stay. */
export function maskUrl(value: string, mask: UrlPartMask): string {
  const parts = parseUrl(value);
  if (!parts) return mask(value, "userinfo");
  return format({
    ...parts,
    userinfo: parts.userinfo ? mask(parts.userinfo, "userinfo") : parts.userinfo,
    query: parts.query?.map((piece) => {
      const { head, value: inner } = splitPiece(piece);
      return inner === "" ? piece : `${head}${mask(inner, "query")}`;
    }),
  });
}

/**
 * `incoming` with every part that is exactly the mask of `stored`'s same part put back (user info; a query value
 * under the same name), so a caller may change the host or a query name and send the rest back as it read it.
 */
export function restoreUrl(incoming: string, stored: string, mask: UrlPartMask): string {
  const now = parseUrl(incoming);
  const before = parseUrl(stored);
  if (!now || !before) return incoming;
  const unused = (before.query ?? []).map(splitPiece);
  const restorePiece = (piece: string): string => {
    const { head, value } = splitPiece(piece);
    const at = unused.findIndex((old) => old.head === head && old.value !== "" && mask(old.value, "query") === value);
    if (at < 0) return piece;
    const [old] = unused.splice(at, 1);
    return `${head}${old!.value}`;
  };
  const userinfo =
    now.userinfo !== undefined && before.userinfo && now.userinfo === mask(before.userinfo, "userinfo")
      ? before.userinfo
      : now.userinfo;
  return format({ ...now, userinfo, query: now.query?.map(restorePiece) });
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The secret strings of a URL as an upstream message might quote them: raw and percent-decoded. */
export function urlSecretParts(value: string): string[] {
  const parts = parseUrl(value);
  if (!parts) return [value];
  const found: string[] = [];
  if (parts.userinfo) {
    const password = parts.userinfo.slice(parts.userinfo.indexOf(":") + 1);
    found.push(parts.userinfo, password);
  }
  for (const piece of parts.query ?? []) found.push(splitPiece(piece).value);
  return [...new Set(found.flatMap((text) => [text, decoded(text)]).filter((text) => text !== ""))];
}
