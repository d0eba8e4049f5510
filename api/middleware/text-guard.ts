import type { MiddlewareHandler } from "hono";
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextPaths } from "../../contracts/storable-text";
import { validationProblem } from "../validation-problem";

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\s*(;|$)/i;

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * 400 validation_failed for a NUL or an unpaired surrogate anywhere in the path, the query or the JSON
 * body (strings and keys at any depth): no database can store them, and PostgreSQL would answer a 500.
 * One check in front of every route, so a new field cannot forget it. A body that is not valid JSON
 * is left to the route's validation.
 */
export function textGuard(): MiddlewareHandler {
  return async (c, next) => {
    const url = new URL(c.req.url);
    const issues: { path: string[]; message: string }[] = [];
    const segments = url.pathname.split("/").map(decoded);
    if (unstorableTextPaths(segments).length > 0)
      issues.push({ path: ["(path)"], message: UNSTORABLE_TEXT_MESSAGE });
    for (const [name, value] of url.searchParams) {
      if (unstorableTextPaths({ [name]: value }).length > 0)
        issues.push({ path: ["query", name], message: UNSTORABLE_TEXT_MESSAGE });
    }
    if (JSON_TYPE.test(c.req.header("content-type") ?? "")) {
      const text = await c.req.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      for (const path of unstorableTextPaths(body))
        issues.push({ path: [path], message: UNSTORABLE_TEXT_MESSAGE });
    }
    if (issues.length > 0) return validationProblem(c, issues);
    return next();
  };
}
