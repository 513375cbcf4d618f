import { z } from "zod";

/** Which browser origins may call this proxy (see src/http/middleware/cors.ts). */
export interface CorsSettings {
  /** `cors_allow_origins` holds "*" (LiteLLM's default): any origin, answered with `*`. */
  anyOrigin: boolean;
  /** The origins allowed by name, exactly as browsers send them (`https://app.example.com`). */
  origins: ReadonlySet<string>;
  /** `cors_allow_credentials`; never true together with anyOrigin. */
  credentials: boolean;
}

/** `https://host[:port]` as a browser's Origin header carries it: no path, no trailing slash. */
function isOrigin(value: string): boolean {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

/** LiteLLM's names (general_settings.cors_allow_origins, cors_allow_credentials); a list or a comma-separated string. */
export const corsSettingsFields = {
  cors_allow_origins: z
    .union([z.array(z.string()), z.string().transform((text) => text.split(","))])
    .transform((list) => list.map((origin) => origin.trim()).filter((origin) => origin !== ""))
    .pipe(
      z.array(
        z.string().refine((origin) => origin === "*" || isOrigin(origin), {
          message: 'must be "*" or an origin such as https://app.example.com (scheme, host and port; no path)',
        }),
      ),
    )
    .nullish(),
  cors_allow_credentials: z.boolean().nullish(),
};

type CorsFields = { [K in keyof typeof corsSettingsFields]?: z.output<(typeof corsSettingsFields)[K]> };

/** LiteLLM's default is any origin without credentials; credentials are refused beside "*", with a warning. */
export function corsSettings(general: CorsFields, warnings: string[]): CorsSettings {
  const listed = general.cors_allow_origins ?? ["*"];
  const anyOrigin = listed.includes("*");
  let credentials = general.cors_allow_credentials === true;
  if (credentials && anyOrigin) {
    warnings.push(
      'general_settings.cors_allow_credentials is ignored: credentials are never allowed with cors_allow_origins "*"; list the origins instead',
    );
    credentials = false;
  }
  return { anyOrigin, origins: new Set(listed.filter((origin) => origin !== "*")), credentials };
}
