import { TASK_TYPES } from "../../domain/model/task-types";
import { TransientError } from "../runner/errors";
import { type HandlerDeps, str } from "./deps";
import type { TaskHandler } from "./handler";

/** Rollout restart of a Kubernetes workload, waiting until every replica is ready again. */
export const k8sRestartHandler: TaskHandler<HandlerDeps> = {
  type: "k8s.restart",
  retry: TASK_TYPES["k8s.restart"].retry,
  steps: [
    {
      name: "connect",
      async run(ctx) {
        const ns = str(ctx.payload, "namespace");
        const name = str(ctx.payload, "name");
        const { replicas } = await ctx.deps.kubernetes.describe(ns, name, ctx.signal);
        ctx.state.replicas = replicas;
        await ctx.log(
          `Found deployment ${ns}/${name} with ${replicas} replica(s) (${ctx.deps.kubernetes.kind} cluster)`,
        );
        await ctx.sleep(ctx.deps.stepDelayMs / 2);
      },
    },
    {
      name: "rollout restart",
      async run(ctx) {
        const { restartedAt } = await ctx.deps.kubernetes.rolloutRestart(
          str(ctx.payload, "namespace"),
          str(ctx.payload, "name"),
          ctx.signal,
        );
        await ctx.log(`Rollout restart requested at ${restartedAt}`);
        await ctx.sleep(ctx.deps.stepDelayMs / 2);
      },
    },
    {
      name: "wait until ready",
      async run(ctx) {
        const replicas = Number(ctx.state.replicas ?? 1);
        for (let poll = 0; poll < 30; poll++) {
          const ready = await ctx.deps.kubernetes.readyReplicas(
            str(ctx.payload, "namespace"),
            str(ctx.payload, "name"),
            ctx.signal,
          );
          await ctx.progress((ready / replicas) * 100, `${ready}/${replicas} replicas ready`);
          if (ready >= replicas) {
            await ctx.log(`All ${replicas} replicas ready`);
            return;
          }
          await ctx.sleep(ctx.deps.stepDelayMs / 3);
        }
        throw new TransientError("rollout_timeout", "The workload did not become ready in time");
      },
    },
  ],
};
