import type { Role } from "../../api/types";

/**
 * The role each operation needs: the contract the role test holds the API to ("public" = no sign-in,
 * "bot" = only the bot calling with the internal token, whatever the acting role).
 */
export const REQUIRED_ROLE: Record<string, Role | "public" | "bot"> = {
  getHealth: "public",
  listTasks: "viewer",
  getTask: "viewer",
  getTaskLogs: "viewer",
  getTaskHistory: "viewer",
  getTaskStreamInfo: "viewer",
  streamTaskEvents: "viewer",
  streamAllTaskEvents: "viewer",
  retryTask: "operator",
  cancelTask: "operator",
  approveTask: "operator",
  rejectTask: "operator",
  getTaskPlan: "viewer",
  setTaskOrigin: "operator",
  getTaskOrigin: "bot",
  createDeployment: "operator",
  createBackup: "operator",
  createRestore: "operator",
  listBackups: "viewer",
  listDbInstances: "viewer",
  listArtifacts: "viewer",
  getArtifactContent: "operator",
  restartWorkload: "operator",
  createSandbox: "operator",
  listDeadLetters: "viewer",
  retryDeadLetter: "operator",
  skipDeadLetter: "admin",
  listProjects: "viewer",
  createProject: "admin",
  getProject: "viewer",
  updateProject: "admin",
  deleteProject: "admin",
  listEnvironments: "viewer",
  createEnvironment: "admin",
  getEnvironment: "viewer",
  updateEnvironment: "admin",
  deleteEnvironment: "admin",
  getNotificationSettings: "viewer",
  putNotificationSettings: "admin",
  sendTestNotification: "admin",
  getCostEstimate: "viewer",
  estimateCost: "viewer",
  getQueue: "viewer",
  claimBotCard: "bot",
  registerBotCard: "bot",
  updateBotCard: "bot",
  listBotCards: "bot",
};

export interface SampleIds {
  taskId: string;
  projectId: string;
  envId: string;
  deadLetterId: string;
  artifactId: string;
}

export interface Operation {
  operationId: string;
  method: string;
  /** The OpenAPI path template, e.g. /api/tasks/{id}. */
  template: string;
  /** Whether the document declares a request body. */
  hasBody: boolean;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, { operationId?: string; requestBody?: unknown }>>;
}

/** Every operation the OpenAPI document lists. */
export function operationsOf(doc: OpenApiDoc): Operation[] {
  return Object.entries(doc.paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      operationId: op.operationId ?? `${method} ${template}`,
      method: method.toUpperCase(),
      template,
      hasBody: op.requestBody !== undefined,
    })),
  );
}

/** Fills a path template with ids that exist (or at least have the right format). */
export function fillPath(template: string, ids: SampleIds): string {
  const id = template.startsWith("/api/tasks")
    ? ids.taskId
    : template.startsWith("/api/dlq")
      ? ids.deadLetterId
      : ids.projectId;
  return template
    .replace("{id}", id)
    .replace("{envId}", ids.envId)
    .replace("{engine}", "azure-postgres")
    .replace("{instanceId}", "orders")
    .replace("{ns}", "shop")
    .replace("{name}", "web");
}

/** A valid body for each operation that takes one. */
export function sampleBody(operationId: string, ids: SampleIds, n = 0): unknown {
  switch (operationId) {
    case "retryTask":
    case "retryDeadLetter":
      return { fromScratch: false };
    case "claimBotCard":
      return {
        conversationId: "19:x",
        sourceKey: `act-${n}`,
        conversationRef: { conversation: { id: "19:x" } },
      };
    case "registerBotCard":
      return {
        conversationId: "19:x",
        activityId: `act-${n}`,
        taskId: ids.taskId,
        conversationRef: { conversation: { id: "19:x" } },
      };
    case "updateBotCard":
      return { settled: true };
    case "setTaskOrigin":
      return { conversationRef: { conversation: { id: "19:x" } }, cardActivityId: "act-1" };
    case "createDeployment":
      return { projectId: ids.projectId, envId: ids.envId, templateId: "web-app", params: { replicas: 2 } };
    case "createRestore":
      return { artifactId: ids.artifactId, target: "orders-copy" };
    case "createSandbox":
      return { projectId: ids.projectId, ttlMinutes: 60, name: `sbx-${n}` };
    case "createProject":
      return { name: `proj-${n}`, description: "made by a test" };
    case "updateProject":
      return { description: `changed ${n}` };
    case "createEnvironment":
      return { name: `env-${n}`, type: "dev" };
    case "updateEnvironment":
      return { type: "stage" };
    case "putNotificationSettings":
      return {
        teamsWebhookUrl: "https://contoso.webhook.office.com/hook/secret",
        emailList: ["ops@contoso.com"],
      };
    case "sendTestNotification":
      return { projectId: ids.projectId };
    case "approveTask":
    case "rejectTask":
      return { comment: `decided by a test ${n}` };
    case "estimateCost":
      return { resources: [{ cpu: 2, memoryGb: 4, storageGb: 10 }] };
    default:
      return undefined;
  }
}

export function sampleQuery(operationId: string): string {
  return operationId === "getCostEstimate" ? "?cpu=2&memoryGb=4&storageGb=10" : "";
}
