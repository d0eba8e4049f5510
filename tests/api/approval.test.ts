import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QueueState } from "../../contracts/operations";
import type { TaskPlan } from "../../contracts/plans";
import type { TaskDetail } from "../../contracts/tasks";
import { workloadResource } from "../../worker/adapters/kubernetes/resources";
import { clustersFor, type KubeApiServer, startSeededKubeApiServer } from "../doubles/kube-api-server";
import { createTestApi, type TestApi } from "../support/api-harness";
import { queueEnginesUnderTest } from "../support/engine-harness";

// Two-person approval through the HTTP API, with real deploys on the Kubernetes API server double:
// a production deploy stops after its plan, holds its environment's lane, and runs only the plan a
// second operator approved.

const TICK_MS = 20;
const DEPLOYMENTS = workloadResource("Deployment");

/** The live object, or null when the cluster has none. */
function live(server: KubeApiServer, namespace: string, name: string) {
  try {
    return server.cluster.get(DEPLOYMENTS, namespace, name);
  } catch {
    return null;
  }
}

describe.each(queueEnginesUnderTest())(
  "two-person approval through the API (%s queue)",
  { timeout: 60_000 },
  (queueEngine) => {
    let server: KubeApiServer;
    let api: TestApi;
    let projectId: string;
    let prodId: string;
    let stageId: string;
    const alice = () => api.as("operator", "alice@contoso.com");
    const bob = () => api.as("operator", "bob@contoso.com");

    beforeAll(async () => {
      server = await startSeededKubeApiServer(TICK_MS);
      api = await createTestApi({
        startWorker: true,
        engine: {
          queueEngine,
          engine: {
            handlerDeps: { kubernetes: await clustersFor(server, TICK_MS) },
            approval: { ttlMs: 60 * 60_000, recheckMs: 200 },
          },
        },
      });
      const project = await api.t.stores.projects.create({ name: "shop" });
      projectId = project.id;
      prodId = (await api.t.stores.environments.create(projectId, { name: "prod", type: "prod" })).id;
      stageId = (
        await api.t.stores.environments.create(projectId, {
          name: "stage",
          type: "stage",
          requiresApproval: true,
        })
      ).id;
    }, 60_000);
    afterAll(async () => {
      await api?.close();
      await server?.close();
    });

    async function deploy(envId: string, replicas: number, as = alice()): Promise<string> {
      const res = await as("/api/deployments", {
        method: "POST",
        body: { projectId, envId, templateId: "web-app", params: { replicas } },
      });
      expect(res.status).toBe(202);
      return ((await res.json()) as { taskId: string }).taskId;
    }
    const detail = async (id: string) => (await (await bob()(`/api/tasks/${id}`)).json()) as TaskDetail;
    const events = async (id: string) => (await api.t.stores.taskEvents.listForTask(id)).map((e) => e.data);

    it("stops a prod deploy after its plan, blocks the lane, and runs the approved plan", async () => {
      const first = await deploy(prodId, 2);
      const second = await deploy(prodId, 3);
      await api.t.waitForStatus(first, ["awaiting_approval"], 30_000);

      const waiting = await detail(first);
      expect(waiting.status).toBe("awaiting_approval");
      expect(waiting.steps.map((s) => s.status)).toEqual(["succeeded", "succeeded", "pending"]);
      expect(waiting.approval).toMatchObject({
        decision: null,
        summary: "3 to add, 0 to change, 0 unchanged",
      });
      expect(waiting.approval?.planSha256).toBe(waiting.result?.planSha256);
      expect(waiting.approval?.lines.join("\n")).toMatch(/\+ Deployment shop-prod\/shop: new/);
      // Nothing reached the cluster: apply waits for the approval.
      expect(live(server, "shop-prod", "shop")).toBeNull();

      const plan = (await (await bob()(`/api/tasks/${first}/plan`)).json()) as TaskPlan;
      expect(plan).toMatchObject({
        sha256: waiting.approval?.planSha256,
        verified: true,
        namespace: "shop-prod",
      });
      expect(plan.objects.map((o) => `${o.action} ${o.kind}`)).toEqual([
        "create Deployment",
        "create Service",
      ]);
      expect(plan.objects[0]?.added).toEqual(expect.arrayContaining([{ path: "spec.replicas", value: "2" }]));

      // The lane of the environment is held: the second deploy waits behind the first, and says why.
      expect((await api.t.stores.tasks.get(second))?.status).toBe("queued");
      const queue = (await (await bob()("/api/queue")).json()) as QueueState;
      const lane = queue.entities.find((e) => e.entityId === prodId);
      expect(lane?.blockedBy).toMatchObject({ taskId: first, reason: "awaiting approval" });
      expect(lane?.pendingTaskIds).toContain(second);
      expect(queue.tasksByStatus.awaiting_approval).toBeGreaterThanOrEqual(1);

      const approved = await bob()(`/api/tasks/${first}/approve`, {
        method: "POST",
        body: { planSha256: waiting.approval?.planSha256, comment: "Checked with the team" },
      });
      expect(approved.status).toBe(202);
      expect(await approved.json()).toMatchObject({ decision: "approved", status: "queued" });

      const done = await api.t.waitForStatus(first, ["succeeded", "failed"], 30_000);
      expect(done.status).toBe("succeeded");
      expect(live(server, "shop-prod", "shop")?.spec).toMatchObject({ replicas: 2 });
      expect(done.attempts).toBe(1); // waiting used no attempt
      const after = await detail(first);
      expect(after.approval).toMatchObject({
        decision: "approved",
        decidedBy: "bob@contoso.com",
        comment: "Checked with the team",
      });
      expect(after.approval?.decidedAt).toMatch(/^\d{4}-/);
      const kinds = (await events(first)).filter((e) => e.kind === "approval");
      expect(kinds).toEqual([
        expect.objectContaining({ decision: "requested", by: null }),
        expect.objectContaining({
          decision: "approved",
          by: "bob@contoso.com",
          comment: "Checked with the team",
        }),
      ]);
      const audit = await api.t.stores.audit.recent(100);
      expect(audit).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            action: "task.approve",
            actor: "bob@contoso.com",
            outcome: "accepted",
            detail: expect.objectContaining({ taskId: first, comment: "Checked with the team" }),
          }),
        ]),
      );

      // Then the lane moves on: the second deploy plans and waits for its own approval; a rejection ends it.
      await api.t.waitForStatus(second, ["awaiting_approval"], 30_000);
      const rejected = await bob()(`/api/tasks/${second}/reject`, {
        method: "POST",
        body: { comment: "Not during the sale" },
      });
      expect(rejected.status).toBe(202);
      const cancelled = await api.t.waitForStatus(second, ["cancelled"]);
      expect(cancelled.error).toMatchObject({ code: "approval_rejected" });
      expect(cancelled.approval).toMatchObject({ decision: "rejected", decidedBy: "bob@contoso.com" });
      expect(live(server, "shop-prod", "shop")?.spec).toMatchObject({ replicas: 2 });
    });

    it("refuses self-approval, a viewer, a stale checksum and a decided task with stable problem codes", async () => {
      const id = await deploy(stageId, 1);
      await api.t.waitForStatus(id, ["awaiting_approval"], 30_000);

      const self = await alice()(`/api/tasks/${id}/approve`, { method: "POST", body: {} });
      expect(self.status).toBe(403);
      expect(self.headers.get("content-type")).toMatch(/application\/problem\+json/);
      expect(await self.json()).toMatchObject({ code: "self_approval_forbidden", status: 403 });

      const viewer = await api.as("viewer", "victor@contoso.com")(`/api/tasks/${id}/approve`, {
        method: "POST",
        body: {},
      });
      expect(viewer.status).toBe(403);
      expect(await viewer.json()).toMatchObject({ code: "forbidden" });

      const stale = await bob()(`/api/tasks/${id}/approve`, {
        method: "POST",
        body: { planSha256: "0".repeat(64) },
      });
      expect(stale.status).toBe(409);
      expect(await stale.json()).toMatchObject({ code: "plan_changed" });

      // Nothing changed: still waiting, no decision recorded.
      expect((await detail(id)).approval?.decision).toBeNull();

      expect((await bob()(`/api/tasks/${id}/reject`, { method: "POST", body: {} })).status).toBe(202);
      const again = await bob()(`/api/tasks/${id}/approve`, { method: "POST", body: {} });
      expect(again.status).toBe(409);
      expect(await again.json()).toMatchObject({ code: "not_awaiting_approval" });

      const audit = await api.t.stores.audit.recent(200);
      const outcomes = audit.filter((a) => a.action === "task.approve").map((a) => `${a.actor} ${a.outcome}`);
      expect(outcomes).toEqual(
        expect.arrayContaining([
          "alice@contoso.com denied",
          "victor@contoso.com denied",
          "bob@contoso.com rejected",
        ]),
      );
    });

    it("needs a new approval when the live objects change after approval (drift, then a new plan)", async () => {
      const envId = (
        await api.t.stores.environments.create(projectId, {
          name: "live",
          type: "prod",
          namespace: "shop-live",
        })
      ).id;
      const approve = async (id: string, planSha256?: string) =>
        bob()(`/api/tasks/${id}/approve`, { method: "POST", body: planSha256 ? { planSha256 } : {} });
      const base = await deploy(envId, 2);
      await api.t.waitForStatus(base, ["awaiting_approval"], 30_000);
      expect((await approve(base)).status).toBe(202);
      expect((await api.t.waitForStatus(base, ["succeeded", "failed"], 30_000)).status).toBe("succeeded");

      const id = await deploy(envId, 4);
      await api.t.waitForStatus(id, ["awaiting_approval"], 30_000);
      const firstSha = (await detail(id)).approval?.planSha256 ?? "";
      // Someone edits the live Deployment by hand while the task waits.
      server.cluster.strategicMerge(
        DEPLOYMENTS,
        "shop-live",
        "shop",
        { metadata: { labels: { hotfix: "yes" } } },
        { dryRun: false, fieldManager: "kubectl-edit" },
      );
      expect((await approve(id, firstSha)).status).toBe(202);
      const failed = await api.t.waitForStatus(id, ["failed", "succeeded"], 30_000);
      expect(failed.status).toBe("failed");
      expect(failed.error).toMatchObject({ code: "drift_detected" });
      expect(live(server, "shop-live", "shop")?.spec).toMatchObject({ replicas: 2 });

      // A fresh plan against the live objects is a different plan: the old approval does not carry over.
      const retried = await alice()(`/api/tasks/${id}/retry`, {
        method: "POST",
        body: { fromScratch: true },
      });
      expect(retried.status).toBe(202);
      const replannedRow = await api.t.waitForStatus(id, ["awaiting_approval", "failed"], 30_000);
      expect(replannedRow.error).toBeNull();
      const replanned = await detail(id);
      expect(replanned.approval?.decision).toBeNull();
      expect(replanned.approval?.planSha256).not.toBe(firstSha);
      expect(replanned.approval?.summary).toBe("0 to add, 1 to change, 1 unchanged");
      const old = await approve(id, firstSha);
      expect(old.status).toBe(409);
      expect(await old.json()).toMatchObject({ code: "plan_changed" });
      expect((await approve(id, replanned.approval?.planSha256)).status).toBe(202);
      expect((await api.t.waitForStatus(id, ["succeeded", "failed"], 30_000)).status).toBe("succeeded");
      expect(live(server, "shop-live", "shop")?.spec).toMatchObject({ replicas: 4 });
      const logs = (await api.t.stores.taskEvents.logs(id)).map((l) => l.message).join("\n");
      expect(logs).toMatch(/The plan changed since it was approved/);
    });

    it("leaves deploys to environments without approval untouched", async () => {
      const devId = (
        await api.t.stores.environments.create(projectId, { name: `dev-${queueEngine}`, type: "dev" })
      ).id;
      const id = await deploy(devId, 1);
      const done = await api.t.waitForStatus(id, ["succeeded", "failed", "awaiting_approval"], 30_000);
      expect(done.status).toBe("succeeded");
      expect(done.approval).toBeNull();
    });
  },
);

describe("approval expiry", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({
      startWorker: true,
      // The runner re-reads rarely, so the expiry job is what cancels the task here.
      engine: { engine: { approval: { ttlMs: 300, recheckMs: 60 * 60_000, expiryIntervalMs: 100 } } },
    });
  });
  afterAll(async () => api?.close());

  it("cancels a task nobody approved in time and frees its lane", async () => {
    const project = await api.t.stores.projects.create({ name: "shop" });
    const env = await api.t.stores.environments.create(project.id, { name: "prod", type: "prod" });
    const submit = async () => {
      const res = await api.as("operator", "alice@contoso.com")("/api/deployments", {
        method: "POST",
        body: { projectId: project.id, envId: env.id, templateId: "web-app", params: { replicas: 1 } },
      });
      return ((await res.json()) as { taskId: string }).taskId;
    };
    const first = await submit();
    const second = await submit();
    const expired = await api.t.waitForStatus(first, ["cancelled", "succeeded", "failed"], 30_000);
    expect(expired.status).toBe("cancelled");
    expect(expired.error).toMatchObject({ code: "approval_expired" });
    expect(expired.approval?.decision).toBe("expired");
    // The lane moved on: the second deploy reached its own approval.
    await api.t.waitForStatus(second, ["awaiting_approval", "cancelled"], 30_000);
    const late = await api.as("operator", "bob@contoso.com")(`/api/tasks/${first}/approve`, {
      method: "POST",
      body: {},
    });
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ code: "not_awaiting_approval" });
    const kinds = (await api.t.stores.taskEvents.listForTask(first)).map((e) => e.data);
    expect(kinds).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: "approval", decision: "expired" })]),
    );
  });
});
