import type { z } from "zod";
import type { Route } from "../route.js";
import { anthropicMessagesComponents, anthropicMessagesRoutes, type CountTokensDeps } from "./anthropic-messages.js";
import { cooldownsComponents, type CooldownsDeps, cooldownsRoutes } from "./cooldowns.js";
import { healthComponents, type HealthDeps, healthRoutes } from "./health.js";
import { keyHistoryComponents, type KeyHistoryDeps, keyHistoryRoutes } from "./key-history.js";
import { keyRoutes, type KeyRoutesDeps, keysComponents } from "./keys.js";
import { type MetricsDeps, metricsRoutes } from "./metrics.js";
import { modelInfoComponents, type ModelInfoDeps, modelInfoRoutes } from "./model-info.js";
import { managementComponents, type ModelManagementDeps, modelManagementRoutes } from "./model-management.js";
import { modelsComponents, type ModelsDeps, modelsRoutes } from "./models.js";
import { proxyComponents, proxyRoutes } from "./proxy.js";
import { proxyExtrasComponents, proxyExtrasRoutes } from "./proxy-extras.js";
import type { ProxyCallDeps } from "./proxy-call.js";
import { type MetaDeps, routeListComponents, routeListRoutes } from "./route-list.js";
import { spendComponents, spendRoutes, type SpendRoutesDeps } from "./spend.js";
import { uiRoutes, type UiRouteDeps } from "./ui.js";

/** What the handlers of all routes need between them. */
export type RouteDeps = HealthDeps &
  MetaDeps &
  ModelsDeps &
  ModelInfoDeps &
  ModelManagementDeps &
  ProxyCallDeps &
  CountTokensDeps &
  KeyRoutesDeps &
  KeyHistoryDeps &
  MetricsDeps &
  SpendRoutesDeps &
  CooldownsDeps &
  UiRouteDeps;

/** Every route of the app, in the order /openapi.json and GET /routes list them. */
export const API_ROUTES: readonly Route<RouteDeps>[] = [
  ...healthRoutes,
  ...routeListRoutes,
  ...modelsRoutes,
  ...modelInfoRoutes,
  ...modelManagementRoutes,
  ...proxyRoutes,
  ...proxyExtrasRoutes,
  ...anthropicMessagesRoutes,
  ...keyRoutes,
  ...keyHistoryRoutes,
  ...spendRoutes,
  ...metricsRoutes,
  ...cooldownsRoutes,
];

/**
 * The admin page's routes (/, /ui, its assets, sign-in, its live feed): served by express beside API_ROUTES but not
 * part of the API, so neither /openapi.json nor GET /routes lists them.
 */
export const PAGE_ROUTES: readonly Route<RouteDeps>[] = uiRoutes;

/** The response schemas /openapi.json names (and refers to by $ref). */
export const API_COMPONENTS: ReadonlyArray<Readonly<Record<string, z.ZodType>>> = [
  healthComponents,
  routeListComponents,
  modelsComponents,
  modelInfoComponents,
  managementComponents,
  proxyComponents,
  proxyExtrasComponents,
  anthropicMessagesComponents,
  keysComponents,
  keyHistoryComponents,
  spendComponents,
  cooldownsComponents,
];
