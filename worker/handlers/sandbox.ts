import { TASK_TYPES } from "../../domain/model/task-types";
import { PermanentError } from "../runner/errors";
import { type HandlerDeps, simulate, str } from "./deps";
import type { TaskHandler } from "./handler";

/** Creates an ephemeral environment with a TTL; the expiry scheduler turns its expiry into a task. */
export const sandboxCreateHandler: TaskHandler<HandlerDeps> = {
  type: "sandbox.create",
  retry: TASK_TYPES["sandbox.create"].retry,
  steps: [
    {
      name: "create environment",
      async run(ctx) {
        const { stores } = ctx.deps;
        const project = await stores.projects.get(str(ctx.payload, "projectId"));
        if (!project) throw new PermanentError("project_not_found", "The project does not exist");
        const ttlMinutes = Number(ctx.payload.ttlMinutes);
        await simulate(ctx, 2, "Provisioning resources");
        const env = await stores.environments.create(project.id, {
          id: str(ctx.payload, "environmentId"),
          name: str(ctx.payload, "name"),
          type: "sandbox",
          ttlMinutes,
          expiresAt: new Date(Date.now() + ttlMinutes * 60_000),
        });
        ctx.state.environmentId = env.id;
        ctx.state.expiresAt = env.expiresAt?.toISOString() ?? null;
        await ctx.log(`Sandbox ${project.name}/${env.name} is up`);
      },
    },
    {
      name: "schedule expiry",
      async run(ctx) {
        await ctx.log(`Expires at ${String(ctx.state.expiresAt)} (${String(ctx.payload.ttlMinutes)} min)`);
        await simulate(ctx, 1, "Expiry scheduled");
      },
    },
  ],
};

/** Marks an expired sandbox as expired (the real teardown of its resources plugs in here). */
export const sandboxExpireHandler: TaskHandler<HandlerDeps> = {
  type: "sandbox.expire",
  retry: TASK_TYPES["sandbox.expire"].retry,
  steps: [
    {
      name: "expire environment",
      async run(ctx) {
        const env = await ctx.deps.stores.environments.get(str(ctx.payload, "environmentId"));
        if (!env) {
          await ctx.log("The sandbox no longer exists; nothing to expire");
          return;
        }
        await simulate(ctx, 1, "Tearing down");
        await ctx.deps.stores.environments.update(env.id, { status: "expired" });
        await ctx.log(`Sandbox ${env.name} expired`);
      },
    },
  ],
};
