import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { TASK_ID_EXAMPLE } from "../../contracts/common";
import { RETURN_REPRESENTATION, TaskAcceptedSchema } from "../../contracts/tasks";
import type { RouteKit } from "../route-kit";
import { MutationHeaders } from "./shared";
import { readTaskDetail } from "./tasks/task-detail-body";

/** The headers of a task-creating route: those of every change, and the preference for the task itself. */
export const TaskCreationHeaders = MutationHeaders.extend({
  prefer: z.string().optional().openapi({
    description:
      "`return=representation` (RFC 7240) to get the task itself in the answer (`task`), as GET /api/tasks/{id} shows it; other preferences are ignored.",
    example: RETURN_REPRESENTATION,
  }),
});

export const acceptedResponse = {
  202: {
    description:
      "Queued. The Location header names the task (/api/tasks/{taskId}); follow it or its SSE stream. " +
      "With `Prefer: return=representation` the answer carries the task as well (`task`) and says so in `Preference-Applied`.",
    headers: {
      Location: {
        description: "The new task: /api/tasks/{taskId}",
        schema: { type: "string" as const, example: `/api/tasks/${TASK_ID_EXAMPLE}` },
      },
      "Preference-Applied": {
        description: "`return=representation` when the answer carries the task",
        schema: { type: "string" as const, example: RETURN_REPRESENTATION },
      },
    },
    content: { "application/json": { schema: TaskAcceptedSchema, example: { taskId: TASK_ID_EXAMPLE } } },
  },
};

/** The preferences of a Prefer header (RFC 7240): `name=value` tokens, lower-cased, parameters dropped. */
function preferences(header: string | undefined): Set<string> {
  const found = new Set<string>();
  for (const part of header?.split(",") ?? []) {
    const [token = ""] = part.split(";");
    const [name = "", value] = token.split("=").map((s) => s.trim().replace(/^"|"$/g, "").toLowerCase());
    if (name) found.add(value === undefined ? name : `${name}=${value}`);
  }
  return found;
}

/**
 * 202 {taskId} with Location; used by every task-creating route. Under `Prefer: return=representation`
 * the task itself comes along (read after it was queued), so a caller that shows it (the bot's card)
 * needs no second request.
 */
export async function accepted(c: Context, kit: RouteKit, taskId: string) {
  c.header("location", `/api/tasks/${taskId}`);
  c.header("vary", "Prefer", { append: true });
  if (preferences(c.req.header("prefer")).has(RETURN_REPRESENTATION)) {
    // The task is queued by now: a read that fails (the broker cannot say its place in line) must not
    // turn that into an error a caller would retry into a second task. The preference is then not
    // applied, as RFC 7240 allows, and the caller reads the task itself.
    const task = await readTaskDetail(kit, taskId).catch(() => null);
    if (task) {
      c.header("preference-applied", RETURN_REPRESENTATION);
      return c.json({ taskId, task }, 202);
    }
  }
  return c.json({ taskId }, 202);
}
