import type { Deployment } from "./deployment.js";
import { mapSecretValues, maskSecret } from "./secret-fields.js";
import { urlSecretParts } from "./secret-urls.js";

// Upstream error text can quote a deployment's credentials (`Incorrect API key provided: sk-...`): every message
// that came from an upstream goes through scrubSecrets before anyone outside the replica reads it.

/** Any stretch this long of a secret found in a message means the message quotes it. */
const QUOTED_STRETCH = 12;

/** Every string long enough to be recognised, inside a secret value too (JSON credentials such as vertex_credentials). */
function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === "string") {
    if (value.length >= 8) into.push(value);
  } else if (value !== null && typeof value === "object") {
    for (const inner of Object.values(value)) collectStrings(inner, into);
  }
}

/** Every secret of the deployment as a message could quote it: named values, header values, URL credentials. */
export function secretValues(deployment: Deployment): string[] {
  const found: string[] = [];
  mapSecretValues({ ...deployment.litellmParams }, (value, kind) => {
    if (kind === "url" && typeof value === "string") collectStrings(urlSecretParts(value), found);
    else collectStrings(value, found);
    return value;
  });
  // Longest first, so a secret that contains another is masked whole.
  return [...new Set(found)].sort((a, b) => b.length - a.length);
}

function quotesPartOf(message: string, secret: string): boolean {
  const stretch = Math.min(QUOTED_STRETCH, secret.length);
  for (let start = 0; start + stretch <= secret.length; start++) {
    if (message.includes(secret.slice(start, start + stretch))) return true;
  }
  return false;
}

/**
 * An upstream's own error text with the deployment's secrets masked where it quotes them whole; a message that
 * still holds part of one (a key cut short, or wrapped in other text) is withheld altogether.
 */
export function scrubSecrets(message: string, deployment: Deployment): string {
  let scrubbed = message;
  const secrets = secretValues(deployment);
  for (const secret of secrets) scrubbed = scrubbed.split(secret).join(maskSecret(secret));
  if (secrets.some((secret) => quotesPartOf(scrubbed, secret))) {
    return "the upstream's error message was withheld because it quotes the deployment's credentials";
  }
  return scrubbed;
}
