import { ApproveTaskRequestSchema } from "../../../contracts/tasks";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { approvalProblem, decided, decisionRoute } from "./decision-route";

export const route = decisionRoute({
  decision: "approved",
  operationId: "approveTask",
  summary: "Approve the plan a production task waits on (role operator; not the requester)",
  refusals: ["self_approval_forbidden", "not_awaiting_approval", "approval_expired", "plan_changed"],
  body: ApproveTaskRequestSchema,
  bodyExample: {
    planSha256: "4f1d2c0b9a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060f1e",
    comment: "Checked with the team",
  },
  answer: "Approved: the task is back at the head of its lane and runs exactly this plan next",
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("operator", "task.approve") }, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json") ?? {};
    const task = await kit.deps.tasks.approve(id, { id: c.get("user").id }, body).catch((error: unknown) => {
      throw approvalProblem(error);
    });
    return decided(c, task, "approved");
  });
}
