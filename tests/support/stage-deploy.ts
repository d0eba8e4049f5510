import type { Runtime } from "../../compose";

/**
 * Submits a deploy of web-app to the seeded shop/stage environment straight to the task service,
 * with `payload` extras such as the demo failure injection (`failAt`, `failTimes`, `failPermanently`).
 */
export async function submitStageDeploy(
  runtime: Runtime,
  requestedBy: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const shop = await runtime.stores.projects.byName("shop");
  const stage = (await runtime.stores.environments.listByProject(shop?.id ?? "")).find(
    (e) => e.name === "stage",
  );
  const { task } = await runtime.tasks.submit({
    type: "deploy",
    entityId: stage?.id ?? "",
    projectId: stage?.projectId ?? null,
    payload: { projectId: stage?.projectId, envId: stage?.id, templateId: "web-app", params: {}, ...extra },
    requestedBy,
    source: "site",
  });
  return task.id;
}
