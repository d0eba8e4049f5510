import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRuntime, type Runtime } from "../../compose";
import { loadConfig } from "../../config";
import { createLogger, type Logger } from "../../platform/logger";
import { type FakeConnector, startFakeConnector } from "./fake-connector";
import { channelMessage, type TeamsUser } from "./teams-activities";

export interface BotRuntime {
  runtime: Runtime;
  url: string;
  dataDir: string;
  connector: FakeConnector;
  /** POSTs an activity to /api/messages as the Teams service would. */
  post(activity: unknown, headers?: Record<string, string>): Promise<{ status: number; body: unknown }>;
  /** Sends a channel message and resolves with the bot's reply as the connector received it. */
  command(conversationId: string, text: string, options?: { user?: TeamsUser; id?: string }): Promise<Reply>;
  /** Calls the API as the bot would (internal token), e.g. to store a card's origin. */
  api(method: string, path: string, body?: unknown, role?: string): Promise<Response>;
  stop(): Promise<void>;
}

export interface Reply {
  activityId: string;
  card: Record<string, unknown>;
  status: number;
}

export interface BotRuntimeOptions {
  /** Reuse a data directory (a "restarted process"); it is then left in place on stop. */
  dataDir?: string;
  /** Reuse a fake connector; it is then left running on stop. */
  connector?: FakeConnector;
  /** The process logger (default: silent). */
  logger?: Logger;
}

/** The whole process (API, worker, bot) on a loopback port with a fake Bot Connector and short steps. */
export async function startBotRuntime(
  env: Record<string, string> = {},
  options: BotRuntimeOptions = {},
): Promise<BotRuntime> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "cloudops-bot-"));
  const connector = options.connector ?? (await startFakeConnector());
  const config = {
    ...loadConfig({
      DEMO_MODE: "true",
      DATA_DIR: dataDir,
      DEMO_STEP_DELAY_MS: "60",
      LOG_LEVEL: "silent",
      SHUTDOWN_GRACE_MS: "200",
      PUBLIC_URL: "https://cloudops.example.com",
      ...env,
    }),
    port: 0,
    host: "127.0.0.1",
  };
  const runtime = await createRuntime(config, options.logger ?? createLogger("silent"));
  const port = await runtime.start();
  const url = `http://127.0.0.1:${port}`;

  async function post(activity: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${url}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(activity),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  return {
    runtime,
    url,
    dataDir,
    connector,
    post,
    async command(conversationId, text, options = {}) {
      const activity = channelMessage({ serviceUrl: connector.url, conversationId, text, ...options });
      const answer = await post(activity);
      if (answer.status !== 200) throw new Error(`/api/messages answered ${answer.status}`);
      const call = await connector.waitFor((c) => c.method === "POST" && c.activityId === activity.id);
      return { activityId: call.resultId ?? "", card: cardOf(call.body), status: answer.status };
    },
    api: (method, path, body, role = "operator") =>
      fetch(`${url}${path}`, {
        method,
        headers: {
          "content-type": "application/json",
          "x-internal-token": config.api.internalToken,
          "x-acting-user": "test-harness",
          "x-acting-role": role,
          "x-acting-source": "bot",
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    async stop() {
      await runtime.stop();
      if (!options.connector) await connector.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The Adaptive Card inside a message activity. */
export function cardOf(activity: Record<string, unknown>): Record<string, unknown> {
  const attachments = activity.attachments as
    | Array<{ contentType: string; content: Record<string, unknown> }>
    | undefined;
  const card = attachments?.find((a) => a.contentType === "application/vnd.microsoft.card.adaptive")?.content;
  if (!card) throw new Error("the activity carries no Adaptive Card");
  return card;
}

/** The status a task card shows in its header ("Queued", "Running", "Succeeded", …). */
export function statusOnCard(card: Record<string, unknown>): string | undefined {
  const header = (
    card.body as Array<{ columns?: Array<{ items?: Array<{ text?: string }> }> }> | undefined
  )?.[0];
  return header?.columns?.[1]?.items?.[0]?.text;
}

/** The verbs of the card's Action.Execute buttons. */
export function verbsOnCard(card: Record<string, unknown>): string[] {
  return ((card.actions ?? []) as Array<{ type: string; verb?: string }>)
    .filter((a) => a.type === "Action.Execute")
    .map((a) => a.verb ?? "");
}

/** The id of the task a card shows (from its refresh action). */
export function taskIdOnCard(card: Record<string, unknown>): string {
  const refresh = card.refresh as { action?: { data?: { taskId?: string } } } | undefined;
  const id = refresh?.action?.data?.taskId;
  if (!id) throw new Error("not a task card");
  return id;
}
