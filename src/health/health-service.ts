import type { CostMap } from "../cost/cost-map.js";
import { ApiError } from "../errors/api-error.js";
import type { Logger } from "../logging/logger.js";
import { type ClientConnection, ClientGoneError } from "../proxy/upstream-attempt.js";
import type { UpstreamClient } from "../proxy/upstream-client.js";
import type { Deployment } from "../registry/deployment.js";
import type { ModelRegistry } from "../registry/model-registry.js";
import { createCancelScope, eitherGone } from "./cancel-scope.js";
import { type CheckOutcome, checkDeployment } from "./check-deployment.js";
import { type HealthReport, toHealthReport } from "./health-report.js";
import type { HealthSettings } from "./health-settings.js";

export interface HealthServiceDeps {
  registry: Pick<ModelRegistry, "all">;
  client: UpstreamClient;
  costMap: CostMap;
  logger: Logger;
  settings: HealthSettings;
}

/** GET /health's filters: `model` names a model group (else a litellm_params.model), `modelId` one deployment. */
export interface HealthQuery {
  model?: string;
  modelId?: string;
}

export interface HealthService {
  /** Starts the background checks when general_settings asks for them; does nothing otherwise. */
  start(): void;
  /** On demand: checks the selected deployments now. In background mode: the last results, no upstream call. */
  report(query: HealthQuery, caller: ClientConnection): Promise<HealthReport>;
  /** Stops the timer and drops every check in flight; resolves once the background run has ended. */
  close(): Promise<void>;
}

function select(deployments: readonly Deployment[], query: HealthQuery): Deployment[] {
  if (query.modelId !== undefined) {
    const found = deployments.filter((deployment) => deployment.id === query.modelId);
    if (found.length === 0) throw ApiError.notFound(`Model with ID ${query.modelId} not found`, "model_id");
    return found;
  }
  if (query.model === undefined) return [...deployments];
  const byGroup = deployments.filter((deployment) => deployment.modelName === query.model);
  return byGroup.length > 0
    ? byGroup
    : deployments.filter((deployment) => deployment.litellmParams.model === query.model);
}

async function checkOne(
  deployment: Deployment,
  connection: ClientConnection,
  deps: HealthServiceDeps,
): Promise<CheckOutcome> {
  try {
    const outcome = await checkDeployment(deployment, deps, connection);
    if (!outcome.healthy)
      deps.logger.warn({ deploymentId: deployment.id, modelGroup: deployment.modelName }, "health check failed");
    return outcome;
  } catch (error) {
    if (error instanceof ClientGoneError) throw error;
    deps.logger.error({ err: error, deploymentId: deployment.id }, "health check crashed");
    return {
      deployment,
      healthy: false,
      error: "litellm.APIError: the health check failed unexpectedly; see the replica's log",
    };
  }
}

/**
 * Every deployment, at most `settings.concurrency` at a time, results in the deployments' order. Throws
 * ClientGoneError once `connection` goes, after every check in flight has stopped.
 */
async function checkAll(
  deployments: readonly Deployment[],
  connection: ClientConnection,
  deps: HealthServiceDeps,
): Promise<CheckOutcome[]> {
  const outcomes: CheckOutcome[] = new Array<CheckOutcome>(deployments.length);
  let next = 0;
  let gone = false;
  const worker = async () => {
    while (!gone && next < deployments.length) {
      const index = next++;
      try {
        outcomes[index] = await checkOne(deployments[index] as Deployment, connection, deps);
      } catch {
        gone = true; // checkOne throws only ClientGoneError
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.settings.concurrency, deployments.length) }, worker));
  if (gone) throw new ClientGoneError();
  return outcomes;
}

export function createHealthService(deps: HealthServiceDeps): HealthService {
  const { settings, logger } = deps;
  const closing = createCancelScope();
  let closed = false;
  let latest: readonly CheckOutcome[] | undefined;
  let firstRun: Promise<void> | undefined;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  function runInBackground(): Promise<void> {
    const run = checkAll(deps.registry.all(), closing, deps)
      .then(
        (outcomes) => {
          latest = outcomes;
        },
        (error: unknown) => {
          if (!(error instanceof ClientGoneError)) logger.error({ err: error }, "background health checks failed");
        },
      )
      .finally(() => {
        running = undefined;
        if (!closed) scheduleNext();
      });
    running = run;
    return run;
  }

  // The interval runs from the end of one run to the start of the next, as in LiteLLM, so slow runs never overlap.
  // Not unref'd: close() must clear it, and a replica that forgot to would show as a process that does not exit.
  function scheduleNext(): void {
    timer = setTimeout(() => {
      timer = undefined;
      void runInBackground();
    }, settings.intervalMs);
  }

  async function lastResults(query: HealthQuery): Promise<HealthReport> {
    const selected = new Set(select(deps.registry.all(), query).map((deployment) => deployment.id));
    // Before the first run has finished there is nothing to serve yet: wait for it rather than report "no endpoints".
    if (!latest) await firstRun;
    // Deployments deleted since the last run are no longer reported.
    const outcomes = (latest ?? []).filter((outcome) => selected.has(outcome.deployment.id));
    return toHealthReport(outcomes, settings.details);
  }

  return {
    start() {
      if (!settings.background || firstRun || closed) return;
      logger.info(
        { intervalSeconds: settings.intervalMs / 1000 },
        "background health checks on: GET /health serves their last results",
      );
      firstRun = runInBackground();
    },
    async report(query, caller) {
      if (settings.background) return lastResults(query);
      const outcomes = await checkAll(select(deps.registry.all(), query), eitherGone(closing, caller), deps);
      return toHealthReport(outcomes, settings.details);
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      closing.cancel();
      await running;
    },
  };
}
