import { z } from "@hono/zod-openapi";
import { DEPLOY_TEMPLATES } from "../domain/model/deploy-templates";
import { ENV_ID_EXAMPLE, FailureInjectionFields, idSchema, PROJECT_ID_EXAMPLE } from "./common";

const ParamValue = z.union([z.string().max(1000), z.number(), z.boolean()]);

export const DeploymentRequestSchema = z
  .strictObject({
    projectId: idSchema("project", PROJECT_ID_EXAMPLE),
    envId: idSchema("environment", ENV_ID_EXAMPLE),
    templateId: z
      .enum(DEPLOY_TEMPLATES)
      .optional()
      .openapi({ example: "web-app", description: "Left out: the project's defaultTemplate" }),
    params: z
      .record(z.string().regex(/^[A-Za-z_][\w.-]{0,63}$/, "parameter names are identifiers"), ParamValue)
      .refine((p) => Object.keys(p).length <= 50, "at most 50 parameters")
      .default({})
      .openapi({ example: { image: "shop/web:1.4.2", replicas: 2 } }),
    ...FailureInjectionFields,
  })
  .openapi("DeploymentRequest");

/** What a caller sends (params may be left out). */
export type DeploymentRequest = z.input<typeof DeploymentRequestSchema>;
