// Wildcard model names as LiteLLM reads them: `*` stands for any run of characters, everything else is literal.
// Two uses with different rules, both LiteLLM's: deployment names (`model_name: "openai/*"`) route a requested
// model and hand the matched parts on to `litellm_params.model` (router_utils/pattern_match_deployments.py);
// key allow-lists (`models: ["openai/*"]`) only answer yes or no (proxy/auth/auth_checks.py).

export function isWildcard(name: string): boolean {
  return name.includes("*");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/**
 * A deployment name's matcher: each `*` captures what it stood for. Anchored at both ends, where LiteLLM's
 * `re.match` anchors only the start; for the usual trailing `*` the two agree, and for `gpt-4*-mini` this keeps
 * `gpt-4o-mini-tts` from matching and being sent upstream as `gpt-4o-mini`.
 */
export function routePatternRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split("*").map(escapeRegExp).join("(.*)")}$`);
}

// Characters Python's re.escape prefixes with a backslash (3.7+): LiteLLM ranks patterns by its regex text.
const PYTHON_ESCAPED = new Set("()[]{}?*+-|^$\\.&~# \t\n\r\v\f");
const COMPLEXITY_CHARS = new Set("*+?\\^$|()");

/**
 * LiteLLM's ranking of deployment patterns (PatternUtils.calculate_pattern_specificity): the length of the
 * pattern's regex text, then how many regex metacharacters it holds; the larger wins. So a longer pattern wins
 * over a shorter one (`openai/gpt-4*` before `openai/*` before `*`).
 */
function patternSpecificity(pattern: string): [length: number, complexity: number] {
  let length = 0;
  let complexity = 0;
  for (const char of pattern) {
    if (char === "*") {
      length += 4; // "(.*)"
      complexity += 3; // "(", "*", ")"
    } else if (PYTHON_ESCAPED.has(char)) {
      length += 2;
      complexity += 1 + (COMPLEXITY_CHARS.has(char) ? 1 : 0);
    } else {
      length += 1;
    }
  }
  return [length, complexity];
}

/** Sorts most specific first; equal ones keep their order (Python's sort is stable, reversed or not). */
export function compareSpecificity(a: string, b: string): number {
  const [lengthA, complexityA] = patternSpecificity(a);
  const [lengthB, complexityB] = patternSpecificity(b);
  return lengthB - lengthA || complexityB - complexityA;
}

/**
 * The model a wildcard deployment calls for one request (LiteLLM's set_deployment_model_name): each `*` of
 * `litellm_params.model` takes the next captured part; a model without `*` is used as it is, and one with fewer
 * `*` than captured parts gets the whole matched name.
 */
export function substituteWildcards(target: string, captures: readonly string[], matched: string): string {
  if (!isWildcard(target)) return target;
  const pieces = target.split("*");
  if (captures.length > pieces.length - 1) return matched;
  let result = pieces[0] ?? "";
  for (let i = 1; i < pieces.length; i++) result += (captures[i - 1] ?? "*") + pieces[i];
  return result;
}

/**
 * A key allow-list entry with `*` (LiteLLM's is_model_allowed_by_pattern): the whole name must match, `*`
 * standing for anything. Other characters are literal here, where LiteLLM leaves them to its regex (so its
 * `bedrock/anthropic.*` also takes `bedrock/anthropicX…`).
 */
export function allowPatternRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`, "s");
}

export function allowPatternMatches(pattern: string, name: string): boolean {
  return allowPatternRegExp(pattern).test(name);
}

/**
 * The known models a `provider/*` deployment stands for (LiteLLM's get_known_models_from_wildcard), named as a
 * caller would request them: `openai/*` → `openai/gpt-4o`, …; `openai/gpt-4*` keeps those starting `gpt-4`.
 * A name without a provider part (`*`) stands for no known list.
 */
export function expandWildcardName(wildcard: string, providerModels: readonly string[]): string[] {
  const slash = wildcard.indexOf("/");
  if (slash < 0) return [];
  const prefix = wildcard.slice(0, slash);
  const suffix = wildcard.slice(slash + 1);
  let models = [...providerModels];
  if (suffix !== "*") {
    const start = suffix.replaceAll("*", "");
    // As LiteLLM: a suffix that no known model starts with is a prefix to put in front of them instead.
    models = models.some((m) => m.startsWith(start))
      ? models.filter((m) => m.startsWith(start))
      : models.map((m) => start + m);
  }
  return models.map((m) => (m.startsWith(`${prefix}/`) ? m : `${prefix}/${m}`));
}
