import { z } from "@hono/zod-openapi";

/** Every error answer of the API: RFC 9457 problem+json with a stable `code` and the request's id. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "https://cloudops.dev/problems/task_not_found" }),
    title: z.string().openapi({ example: "Task not found" }),
    status: z.number().int().openapi({ example: 404 }),
    detail: z.string().optional().openapi({ example: "No task has the id tsk_01jd2x5k8m0000abcdefghjkmn" }),
    code: z.string().openapi({ example: "task_not_found" }),
    requestId: z.string().openapi({ example: "req_6f1c2a9e" }),
    hint: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

export type Problem = z.infer<typeof ProblemSchema>;

export const PROBLEM_TYPE_BASE = "https://cloudops.dev/problems/";
