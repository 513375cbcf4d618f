import { describe, expect, it } from "@jest/globals";
import { capturedBodies, leakedSecrets, registerBodySecrets, registerEnvSecrets } from "../helpers/leak-watch.js";

describe("the suite-wide secret watch", () => {
  it("registers provider keys and nested litellm_params secrets, and finds them in captured bodies", () => {
    registerEnvSecrets({ OPENAI_API_KEY: "sk-watch-env-secret-000000", PORT: "4000123456789" });
    registerBodySecrets({
      litellm_params: {
        model: "x",
        api_key: "sk-watch-body-secret-1111",
        extra_headers: { Authorization: "Bearer watch-header-2222" },
      },
    });
    registerBodySecrets({ litellm_params: { api_key: "sk-w****1111" } });
    capturedBodies.push(
      '{"api_key":"sk-watch-env-secret-000000"}',
      '{"h":"Bearer watch-header-2222"}',
      '{"masked":"sk-w****1111","port":"4000123456789"}',
    );
    expect(
      leakedSecrets()
        .map((leak) => leak.secret)
        .sort(),
    ).toEqual(["Bearer…", "sk-wat…"]);
    expect(leakedSecrets()).toHaveLength(2);
    capturedBodies.length = 0; // leave nothing for the after-file check, which would (rightly) fail on these
  });

  it("registers secrets by position: header values in every form, URL passwords and query values", () => {
    registerBodySecrets({
      litellm_params: {
        api_base: "https://user:watch-url-password@host.test/v1?api-key=watch-query-value",
        headers: [
          ["X-Header-Name-Long", "watch-pair-value-3333"],
          { name: "X-Entry-Name-Long", value: "watch-entry-4444" },
        ],
        extra_headers: { "X-Authentication": "watch-xauth-5555" },
        extra_body: { nested: [{ connection_string: "watch-conn-string-6666" }] },
      },
    });
    const leaked = [
      "watch-url-password",
      "watch-query-value",
      "watch-pair-value-3333",
      "watch-entry-4444",
      "watch-xauth-5555",
      "watch-conn-string-6666",
    ];
    capturedBodies.push(JSON.stringify({ leaked, names: ["X-Header-Name-Long", "X-Entry-Name-Long", "host.test/v1"] }));
    expect(leakedSecrets()).toHaveLength(leaked.length);
    capturedBodies.length = 0;
  });
});
