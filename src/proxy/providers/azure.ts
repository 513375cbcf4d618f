import {
  describeOpenAiError,
  requestHeaders,
  joinUrl,
  type ProviderAdapter,
  type ProxyOperation,
  stringParam,
} from "../provider-adapter.js";
import { openAiBody } from "./openai.js";

const DEFAULT_API_VERSION = "2024-10-21";
const PATHS: Partial<Record<ProxyOperation, string>> = {
  chat: "chat/completions",
  completions: "completions",
  embeddings: "embeddings",
};

/** Azure OpenAI: the deployment name is in the URL, the version in the query, the key in `api-key`. */
export const azureAdapter: ProviderAdapter = {
  name: "azure",
  exceptionName: "AzureException",
  passthrough: true,
  supports: (op) => PATHS[op] !== undefined,
  buildRequest(op, body, deployment) {
    const path = PATHS[op];
    if (path === undefined) throw new Error(`azure adapter: no path for ${op}`);
    const base = stringParam(deployment, "api_base");
    if (!base) throw new Error(`azure deployment ${deployment.id} has no api_base`);
    const version = encodeURIComponent(stringParam(deployment, "api_version") ?? DEFAULT_API_VERSION);
    const name = encodeURIComponent(deployment.upstreamModel);
    return {
      url: joinUrl(base, `/openai/deployments/${name}/${path}?api-version=${version}`),
      headers: requestHeaders(deployment, (key) => ({ "api-key": key })),
      body: openAiBody(body, deployment),
    };
  },
  describeError: describeOpenAiError,
};
