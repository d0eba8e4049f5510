import type { APIRoute } from "astro";
import { taskCommand } from "../../../lib/task-command";

export const POST: APIRoute = (context) => taskCommand(context, "cancel");
