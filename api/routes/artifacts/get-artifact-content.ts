import { Readable } from "node:stream";
import { createRoute, z } from "@hono/zod-openapi";
import { idSchema } from "../../../contracts/common";
import { ArtifactNotFoundError } from "../../../platform/artifacts/artifact-store";
import { audit } from "../../middleware/audit";
import { requireRole } from "../../middleware/require-role";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";

const Params = z.object({ id: idSchema("artifact", "art_01jd2x5k8m0000abcdefghjkmn") });

export const route = createRoute({
  method: "get",
  path: "/api/artifacts/{id}/content",
  operationId: "getArtifactContent",
  tags: ["Artifacts"],
  summary: "Download an artifact's content, streamed (role operator; every download is audited)",
  request: { params: Params },
  responses: {
    200: {
      description: "The content; `x-content-sha256` is the recorded checksum to compare with",
      content: {
        "application/octet-stream": {
          schema: z.string().openapi({ format: "binary" }),
          example: "PGDMP… (pg_dump custom format)",
        },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  // A download is a read, but a backup holds the whole database: who took one goes in the audit log.
  const guard = [audit(kit.deps.stores.audit, "artifact.download", kit.deps.logger), requireRole("operator")];
  app.openapi({ ...route, middleware: guard }, async (c) => {
    const { id } = c.req.valid("param");
    const artifact = await kit.deps.stores.artifacts.get(id);
    if (!artifact)
      throw new ApiError(404, "artifact_not_found", "Artifact not found", `No artifact has the id ${id}`);
    c.set("audit", {
      entity: artifact.instanceId ? `${artifact.engine}/${artifact.instanceId}` : id,
      detail: { artifactId: id },
    });
    const store = kit.deps.artifactStore;
    if (!store)
      throw new ApiError(
        503,
        "artifact_store_unavailable",
        "No artifact store",
        "This process has no artifact store",
      );
    let content: Readable;
    try {
      content = await store.get(artifact.path);
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) {
        throw new ApiError(
          404,
          "artifact_missing",
          "Artifact content missing",
          `The content of ${id} is gone from the store`,
        );
      }
      throw error;
    }
    const name = artifact.path.split("/").at(-1) ?? id;
    return new Response(Readable.toWeb(content) as ReadableStream<Uint8Array>, {
      status: 200,
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(artifact.size),
        "content-disposition": `attachment; filename="${name}"`,
        "x-content-sha256": artifact.sha256,
      },
    });
  });
}
