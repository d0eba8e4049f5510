import type { MiddlewareHandler } from "hono";
import { satisfies } from "../auth/roles";
import { problem } from "../problem";
import type { AppEnv, Role } from "../types";

/** 403 unless the caller's role is at least `required`. */
export function requireRole(required: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.get("user");
    if (!satisfies(user.role, required)) {
      return problem(
        c,
        403,
        "forbidden",
        "Not allowed",
        `This needs the ${required} role; you are ${user.role}`,
        {
          hint: "Ask an administrator for a role with more rights",
        },
      );
    }
    await next();
  };
}
