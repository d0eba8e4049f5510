import { RejectTaskRequestSchema } from "../../../contracts/tasks";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { approvalProblem, decided, decisionRoute } from "./decision-route";

export const route = decisionRoute({
  decision: "rejected",
  operationId: "rejectTask",
  summary: "Reject the plan a production task waits on: it is cancelled, nothing is applied (role operator)",
  refusals: ["not_awaiting_approval", "approval_expired"],
  body: RejectTaskRequestSchema,
  bodyExample: { comment: "Not during the sale; plan it for Monday" },
  answer: "Rejected: the task is cancelled and its lane moves on",
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("operator", "task.reject") }, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json") ?? {};
    const task = await kit.deps.tasks.reject(id, { id: c.get("user").id }, body).catch((error: unknown) => {
      throw approvalProblem(error);
    });
    return decided(c, task, "rejected");
  });
}
