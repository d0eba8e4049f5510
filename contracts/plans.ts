import { z } from "@hono/zod-openapi";
import { TASK_ID_EXAMPLE } from "./common";

// GET /api/tasks/{id}/plan: what a deploy's plan changes, object by object (like `kubectl diff`), read
// from the plan artifact and checked against its recorded sha256.

const FieldSchema = z.object({
  path: z.string().openapi({ example: "spec.replicas" }),
  /** JSON text of the value, clipped for display. */
  value: z.string().openapi({ example: "3" }),
});

export const PlanObjectSchema = z
  .object({
    kind: z.string().openapi({ example: "Deployment" }),
    namespace: z.string().nullable().openapi({ example: "shop-prod" }),
    name: z.string().openapi({ example: "shop" }),
    action: z.enum(["create", "update", "unchanged"]),
    added: z.array(FieldSchema),
    changed: z.array(
      z.object({
        path: z.string(),
        from: z.string().openapi({ example: "2" }),
        to: z.string().openapi({ example: "3" }),
      }),
    ),
    removed: z.array(FieldSchema),
    /** Fields left out of this answer (the artifact holds them all). */
    omitted: z.number().int(),
  })
  .openapi("PlanObject");

export const TaskPlanSchema = z
  .object({
    taskId: z.string().openapi({ example: TASK_ID_EXAMPLE }),
    artifactId: z.string().nullable(),
    sha256: z.string().openapi({ description: "The plan's checksum, as recorded when it was made" }),
    /** The stored file still hashes to sha256 (null: the file could not be read). */
    verified: z.boolean().nullable(),
    size: z.number().int().nullable(),
    target: z.string().nullable().openapi({ example: "shop/prod" }),
    namespace: z.string().nullable(),
    createNamespace: z.boolean(),
    summary: z.string().openapi({ example: "0 to add, 1 to change, 1 unchanged" }),
    /** The plan in brief, one line per object (also for a restore, whose plan has no objects). */
    lines: z.array(z.string()),
    objects: z.array(PlanObjectSchema),
  })
  .openapi("TaskPlan");

export const EXAMPLE_PLAN: z.infer<typeof TaskPlanSchema> = {
  taskId: TASK_ID_EXAMPLE,
  artifactId: "art_01jd2x5k8m0000abcdefghjkmn",
  sha256: "4f1d2c0b9a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060f1e",
  verified: true,
  size: 5120,
  target: "shop/prod",
  namespace: "shop-prod",
  createNamespace: false,
  summary: "0 to add, 1 to change, 1 unchanged",
  lines: ["~ Deployment shop-prod/shop: spec.replicas 2 -> 3", "= Service shop-prod/shop: no changes"],
  objects: [
    {
      kind: "Deployment",
      namespace: "shop-prod",
      name: "shop",
      action: "update",
      added: [],
      changed: [{ path: "spec.replicas", from: "2", to: "3" }],
      removed: [],
      omitted: 0,
    },
  ],
};

export type PlanObject = z.infer<typeof PlanObjectSchema>;
export type TaskPlan = z.infer<typeof TaskPlanSchema>;
