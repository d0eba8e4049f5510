import type { Context } from "hono";
import { problem } from "./problem";

interface Issue {
  path: PropertyKey[];
  message: string;
}

/** The 400 answer for zod validation failures, with every issue listed. */
export function validationProblem(c: Context, issues: readonly Issue[]): Response {
  const errors = issues.map((i) => ({ path: i.path.map(String).join(".") || "(body)", message: i.message }));
  return problem(
    c,
    400,
    "validation_failed",
    "The request is not valid",
    errors.map((e) => `${e.path}: ${e.message}`).join("; "),
    { errors },
  );
}
