import { createRoute } from "@hono/zod-openapi";
import { EXAMPLE_PLAN, TaskPlanSchema } from "../../../contracts/plans";
import { TaskIdParams } from "../../../contracts/tasks";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { planOf } from "./plan-view";

export const route = createRoute({
  method: "get",
  path: "/api/tasks/{id}/plan",
  operationId: "getTaskPlan",
  tags: ["Tasks"],
  summary: "The plan of a deploy or restore: what it changes per object, with its sha256 (role viewer)",
  request: { params: TaskIdParams },
  responses: {
    200: {
      description: "The plan (objects: added, changed and removed fields, like kubectl diff)",
      content: { "application/json": { schema: TaskPlanSchema, example: EXAMPLE_PLAN } },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    const { id } = c.req.valid("param");
    const task = await kit.deps.stores.tasks.get(id);
    if (!task) throw new ApiError(404, "task_not_found", "Task not found", `No task has the id ${id}`);
    const plan = await planOf(task, kit.deps.artifactStore);
    if (!plan) {
      throw new ApiError(404, "plan_not_found", "No plan", `Task ${id} has no plan (yet)`, {
        hint: "Deploys have a plan after their plan step; restores after their artifact check",
      });
    }
    return c.json(plan, 200);
  });
}
