import { z } from "@hono/zod-openapi";
import { DEPLOY_TEMPLATES } from "../domain/model/deploy-templates";
import { ENVIRONMENT_TYPES } from "../domain/model/task-types";
import { dnsLabel, ENV_ID_EXAMPLE, idSchema, PROJECT_ID_EXAMPLE } from "./common";
import { SANDBOX_TTL_MINUTES } from "./sandboxes";

export const ProjectParams = z.object({ id: idSchema("project", PROJECT_ID_EXAMPLE) });
export const EnvironmentParams = ProjectParams.extend({ envId: idSchema("environment", ENV_ID_EXAMPLE) });

export const ProjectSchema = z
  .object({
    id: z.string().openapi({ example: PROJECT_ID_EXAMPLE }),
    name: z.string().openapi({ example: "shop" }),
    description: z.string().openapi({ example: "Web shop and its APIs" }),
    defaultTemplate: z.enum(DEPLOY_TEMPLATES).openapi({
      description: "The deploy template a new sandbox of the project starts with",
      example: "web-app",
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Project");

const projectName = dnsLabel("shop").openapi({
  description: "Unique; a DNS-1123 label, as people type it in Teams",
});
const description = z.string().max(500).openapi({ example: "Web shop and its APIs" });
const defaultTemplate = z.enum(DEPLOY_TEMPLATES).openapi({
  description: "The deploy template a new sandbox starts with (default web-app)",
  example: "web-app",
});

export const CreateProjectSchema = z
  .strictObject({
    name: projectName,
    description: description.optional(),
    defaultTemplate: defaultTemplate.optional(),
  })
  .openapi("CreateProject");
export const UpdateProjectSchema = z
  .strictObject({
    name: projectName.optional(),
    description: description.optional(),
    defaultTemplate: defaultTemplate.optional(),
  })
  .refine(
    (p) => p.name !== undefined || p.description !== undefined || p.defaultTemplate !== undefined,
    "change at least one field",
  )
  .openapi("UpdateProject");

export const EnvironmentSchema = z
  .object({
    id: z.string().openapi({ example: ENV_ID_EXAMPLE }),
    projectId: z.string().openapi({ example: PROJECT_ID_EXAMPLE }),
    name: z.string().openapi({ example: "prod" }),
    type: z.enum(ENVIRONMENT_TYPES),
    status: z.string().openapi({ example: "active" }),
    ttlMinutes: z.number().int().nullable(),
    expiresAt: z.string().nullable(),
    namespace: z.string().nullable().openapi({
      description:
        "Kubernetes namespace deployments of this environment go to; null means <project>-<environment>",
      example: "shop-prod",
    }),
    requiresApproval: z.boolean().openapi({
      description:
        "Deploys and restores here wait for a second person's approval; always in effect for type prod",
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Environment");

const requiresApproval = z.boolean().openapi({
  description: "Two-person approval for deploys and restores (type prod always requires it)",
  example: true,
});

const ttl = z.number().int().min(SANDBOX_TTL_MINUTES.min).max(SANDBOX_TTL_MINUTES.max);
const namespace = dnsLabel("shop-prod").openapi({
  description: "Kubernetes namespace (a DNS-1123 label); left out: <project>-<environment>",
});

export const CreateEnvironmentSchema = z
  .strictObject({
    name: dnsLabel("stage"),
    type: z.enum(ENVIRONMENT_TYPES).openapi({ example: "stage" }),
    ttlMinutes: ttl.optional().openapi({ description: "Sandboxes only: 5 to 10080 minutes" }),
    namespace: namespace.optional(),
    requiresApproval: requiresApproval.optional(),
  })
  .refine((e) => e.type === "sandbox" || e.ttlMinutes === undefined, "only sandboxes have a ttlMinutes")
  .openapi("CreateEnvironment");

export const UpdateEnvironmentSchema = z
  .strictObject({
    name: dnsLabel("stage").optional(),
    type: z.enum(ENVIRONMENT_TYPES).optional(),
    namespace: namespace
      .nullable()
      .optional()
      .openapi({ description: "Kubernetes namespace; null goes back to <project>-<environment>" }),
    requiresApproval: requiresApproval.optional(),
  })
  .refine(
    (e) =>
      e.name !== undefined ||
      e.type !== undefined ||
      e.namespace !== undefined ||
      e.requiresApproval !== undefined,
    "change at least one field",
  )
  .openapi("UpdateEnvironment");

export const ProjectListSchema = z.object({ items: z.array(ProjectSchema) });
export const EnvironmentListSchema = z.object({ items: z.array(EnvironmentSchema) });

export type Project = z.infer<typeof ProjectSchema>;
export type CreateProject = z.infer<typeof CreateProjectSchema>;
export type UpdateProject = z.infer<typeof UpdateProjectSchema>;
export type Environment = z.infer<typeof EnvironmentSchema>;
export type CreateEnvironment = z.infer<typeof CreateEnvironmentSchema>;
export type UpdateEnvironment = z.infer<typeof UpdateEnvironmentSchema>;
export type ProjectList = z.infer<typeof ProjectListSchema>;
export type EnvironmentList = z.infer<typeof EnvironmentListSchema>;

export const EXAMPLE_PROJECT: Project = {
  id: PROJECT_ID_EXAMPLE,
  name: "shop",
  description: "Web shop and its APIs",
  defaultTemplate: "web-app",
  createdAt: "2026-01-05T10:00:00.000Z",
  updatedAt: "2026-01-05T10:00:00.000Z",
};

export const EXAMPLE_ENVIRONMENT: Environment = {
  id: ENV_ID_EXAMPLE,
  projectId: PROJECT_ID_EXAMPLE,
  name: "prod",
  type: "prod",
  status: "active",
  ttlMinutes: null,
  expiresAt: null,
  namespace: null,
  requiresApproval: false,
  createdAt: "2026-01-05T10:00:00.000Z",
  updatedAt: "2026-01-05T10:00:00.000Z",
};
