import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppProcess, startAppProcess } from "../support/process";

// APPLICATIONINSIGHTS_CONNECTION_STRING sends spans to Azure Monitor through @azure/monitor-opentelemetry.
// Azure cannot run here, so the connection string's IngestionEndpoint points at a local HTTPS server
// (the exporter upgrades http to https; its certificate comes from openssl and reaches the child
// process through NODE_EXTRA_CA_CERTS) that takes what the real ingestion API takes (POST
// .../v2.1/track, envelopes as a JSON array or lines, gzip or plain) and answers as it does.

interface Envelope {
  name: string;
  iKey?: string;
  tags?: Record<string, string>;
  data?: { baseType?: string; baseData?: { name?: string; url?: string; responseCode?: string } };
}

const IKEY = "00000000-1111-2222-3333-444444444444";

describe("spans to Azure Monitor (APPLICATIONINSIGHTS_CONNECTION_STRING)", () => {
  const envelopes: Envelope[] = [];
  const paths: string[] = [];
  let ingestion: Server;
  let app: AppProcess;
  const dataDir = mkdtempSync(join(tmpdir(), "cloudops-azmon-"));

  beforeAll(async () => {
    const key = join(dataDir, "ingestion.key");
    const cert = join(dataDir, "ingestion.crt");
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2"].concat([
        "-subj",
        "/CN=ingestion",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ]),
      { stdio: "ignore" },
    );
    ingestion = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        paths.push(`${req.method} ${req.url}`);
        let body = Buffer.concat(chunks);
        if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
        const text = body.toString("utf8").trim();
        let items: Envelope[] = [];
        if (text.startsWith("[")) items = JSON.parse(text) as Envelope[];
        else if (text) items = text.split("\n").map((line) => JSON.parse(line) as Envelope);
        envelopes.push(...items);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
      });
    });
    await new Promise<void>((resolve) => ingestion.listen(0, "127.0.0.1", resolve));
    const endpoint = `https://127.0.0.1:${(ingestion.address() as AddressInfo).port}/`;
    app = await startAppProcess(
      {
        DATA_DIR: dataDir,
        DEMO_STEP_DELAY_MS: "20",
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${IKEY};IngestionEndpoint=${endpoint}`,
        // Statsbeat reports to Microsoft's own hosts, which this machine cannot reach.
        APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL: "true",
        NODE_EXTRA_CA_CERTS: cert,
      },
      120_000,
    );
  }, 180_000);

  afterAll(async () => {
    if (app && app.child.exitCode === null) {
      app.child.kill("SIGTERM");
      await app.exited;
    }
    await new Promise<void>((resolve) => ingestion?.close(() => resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("exports the request, the task and its steps as Application Insights telemetry with the instrumentation key", async () => {
    const res = await fetch(`${app.url}/api/k8s/workloads/prod/api:restart`, { method: "POST" });
    expect(res.status).toBe(202);
    const { taskId } = (await res.json()) as { taskId: string };
    const spanNames = () => envelopes.map((e) => e.data?.baseData?.name ?? "");
    await expect
      .poll(
        () =>
          spanNames().some((n) => n.startsWith("step ")) && spanNames().some((n) => n.includes("restart")),
        {
          timeout: 60_000,
          interval: 250,
        },
      )
      .toBe(true);
    expect(paths.some((p) => /^POST \/v2(\.1)?\/track/.test(p))).toBe(true);
    expect(envelopes.every((e) => e.iKey === IKEY)).toBe(true);
    const request = envelopes.find(
      (e) => e.data?.baseType === "RequestData" && e.data.baseData?.name?.includes("restart"),
    );
    expect(request?.data?.baseData?.responseCode).toBe("202");
    const operationIds = new Set(
      envelopes
        .filter((e) => (e.data?.baseData?.name ?? "").startsWith("step ") || e === request)
        .map((e) => e.tags?.["ai.operation.id"]),
    );
    // The request and every step of the task it queued belong to one operation (one trace).
    expect(operationIds.size).toBe(1);
    expect(taskId).toMatch(/^tsk_/);
  }, 120_000);
});
