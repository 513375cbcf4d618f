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
});
