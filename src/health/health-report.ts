import { maskSecretParams } from "../registry/secret-fields.js";
import type { CheckOutcome } from "./check-deployment.js";

// The wire shape of GET /health, as LiteLLM answers it: each endpoint is the deployment's litellm_params (secrets
// masked here, where LiteLLM drops a fixed list of them) with the deployment's `model_id`, plus `error` when it
// failed.

type HealthEndpoint = Record<string, unknown>;

export interface HealthReport {
  healthy_endpoints: HealthEndpoint[];
  unhealthy_endpoints: HealthEndpoint[];
  healthy_count: number;
  unhealthy_count: number;
}

/** `details: false` (general_settings.health_check_details) keeps only the model and its id, without the error text. */
function toHealthEndpoint(outcome: CheckOutcome, details: boolean): HealthEndpoint {
  const { deployment } = outcome;
  const params = details
    ? maskSecretParams({ ...deployment.litellmParams })
    : { model: deployment.litellmParams.model };
  const error = !outcome.healthy && details ? { error: outcome.error } : {};
  return { ...params, model_id: deployment.id, ...error };
}

export function toHealthReport(outcomes: readonly CheckOutcome[], details: boolean): HealthReport {
  const healthy = outcomes.filter((outcome) => outcome.healthy).map((outcome) => toHealthEndpoint(outcome, details));
  const unhealthy = outcomes.filter((outcome) => !outcome.healthy).map((outcome) => toHealthEndpoint(outcome, details));
  return {
    healthy_endpoints: healthy,
    unhealthy_endpoints: unhealthy,
    healthy_count: healthy.length,
    unhealthy_count: unhealthy.length,
  };
}
