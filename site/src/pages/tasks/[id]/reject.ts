import type { APIRoute } from "astro";
import { approvalCommand } from "../../../lib/approval-command";

export const POST: APIRoute = (context) => approvalCommand(context, "reject");
