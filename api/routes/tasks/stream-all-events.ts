import { createRoute, z } from "@hono/zod-openapi";
import type { RouteKit } from "../../route-kit";
import { streamAllTasks } from "../../sse/task-streams";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { ResumeHeaders, ResumeQuery, resumePoint, SSE_DESCRIPTION, sseExample } from "./stream-schemas";

export const route = createRoute({
  method: "get",
  path: "/api/tasks/sse",
  operationId: "streamAllTaskEvents",
  tags: ["Live"],
  summary: "Live events of every task as SSE, for dashboards (role viewer)",
  description: `${SSE_DESCRIPTION} Ids are global event ids. Without Last-Event-ID the stream starts at the present. Events of different tasks written at the same moment may arrive slightly out of id order; none is skipped.`,
  request: { headers: ResumeHeaders, query: ResumeQuery },
  responses: {
    200: {
      description: "The event stream",
      content: { "text/event-stream": { schema: z.string(), example: sseExample } },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    const after = resumePoint(c.req.valid("header")["last-event-id"], c.req.valid("query").lastEventId);
    return streamAllTasks(c, kit.deps, after);
  });
}
