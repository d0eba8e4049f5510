// The ONLY file that imports botbuilder (see docs/adr/0002-botbuilder-seam.md). Everything else speaks
// plain Activity JSON in and card JSON out.
import {
  type Activity,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConversationReference,
  TeamsInfo,
  type TurnContext,
} from "botbuilder";
import type { Logger } from "../../platform/logger";
import type { ConversationRef, IncomingActivity, OutgoingActivity } from "../activity";

export interface BotCredentials {
  /** Unset: authentication is off (demo, emulator, tests). Set: every request needs a valid token. */
  appId: string | undefined;
  appPassword: string | undefined;
  tenantId: string | undefined;
}

/** What the connector knows about a member beyond the activity (Teams gives email and UPN here). */
export interface MemberInfo {
  email?: string;
  userPrincipalName?: string;
  name?: string;
}

/** One incoming activity with what the bot may do during its turn. */
export interface Turn {
  activity: IncomingActivity;
  /** Posts a message into the conversation (a reply to the activity); resolves with its id. */
  send(message: OutgoingActivity): Promise<string | undefined>;
  /** Replaces a message the bot posted earlier, for everyone. */
  update(message: OutgoingActivity & { id: string }): Promise<void>;
  /** Looks the sender up in the conversation roster (email, UPN); null when the channel cannot say. */
  member(userId: string): Promise<MemberInfo | null>;
}

/** The HTTP answer of an invoke (e.g. adaptiveCard/action), returned as the body of /api/messages. */
export interface InvokeResult {
  status: number;
  body: unknown;
}

export type TurnHandler = (turn: Turn) => Promise<InvokeResult | undefined>;

/** An outgoing Bot Connector call that failed; `status` 429/5xx are worth retrying. */
export class ConnectorCallError extends Error {
  readonly code = "connector_call_failed";
  constructor(
    readonly status: number | undefined,
    readonly retryAfterMs: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = "ConnectorCallError";
  }
}

export interface BotFrameworkSeam {
  /** Runs one POST /api/messages through the SDK (auth, turn, invoke response). */
  process(
    request: { body: unknown; headers: Record<string, string> },
    handler: TurnHandler,
  ): Promise<InvokeResult>;
  /** Replaces a message outside a turn (card updater). Throws ConnectorCallError on failure. */
  updateMessage(ref: ConversationRef, message: OutgoingActivity & { id: string }): Promise<void>;
}

/** Builds the SDK adapter: with an app id, Bot Framework JWT auth; without one, auth off. */
export function createBotFrameworkSeam(credentials: BotCredentials, logger: Logger): BotFrameworkSeam {
  const appId = credentials.appId ?? "";
  const auth = new ConfigurationBotFrameworkAuthentication(
    appId
      ? {
          MicrosoftAppId: appId,
          MicrosoftAppPassword: credentials.appPassword ?? "",
          MicrosoftAppTenantId: credentials.tenantId ?? "",
          MicrosoftAppType: credentials.tenantId ? "SingleTenant" : "MultiTenant",
        }
      : {},
  );
  const adapter = new CloudAdapter(auth);
  // Our handlers catch their own errors; anything reaching here is a bug worth a log line, never a crash.
  adapter.onTurnError = async (_context, error) => {
    logger.error("bot turn failed", { error });
  };

  const turnOf = (context: TurnContext): Turn => ({
    activity: context.activity as unknown as IncomingActivity,
    async send(message) {
      const sent = await context.sendActivity(message as Partial<Activity>);
      return sent?.id;
    },
    async update(message) {
      await context.updateActivity(message as Partial<Activity>);
    },
    async member(userId) {
      try {
        const m = await TeamsInfo.getMember(context, userId);
        return { email: m.email, userPrincipalName: m.userPrincipalName, name: m.name };
      } catch {
        return null;
      }
    },
  });

  return {
    async process(request, handler) {
      // The SDK would reject this too, but prints a stack for every such request: answer it here.
      if (appId && !/^Bearer\s+\S+/i.test(request.headers.authorization ?? ""))
        return { status: 401, body: undefined };
      let status = 200;
      let body: unknown;
      const response = {
        socket: undefined,
        status(code: number) {
          status = code;
        },
        header() {},
        send(payload: unknown) {
          body = payload;
        },
        end() {},
      };
      await adapter.process(
        { method: "POST", body: request.body as Record<string, unknown>, headers: request.headers },
        response,
        async (context) => {
          const result = await handler(turnOf(context));
          if (result && context.activity.type === "invoke") {
            await context.sendActivity({
              type: "invokeResponse",
              value: { status: result.status, body: result.body },
            });
          }
        },
      );
      // The SDK answers failures with the exception text; never hand that to a caller.
      if (status >= 500) return { status, body: undefined };
      if (status === 401) return { status, body: undefined };
      return { status, body };
    },

    async updateMessage(ref, message) {
      let failure: unknown;
      // With onTurnError set, an error thrown in this callback would be swallowed: catch it here.
      await adapter.continueConversationAsync(
        appId,
        ref as unknown as Partial<ConversationReference>,
        async (context) => {
          try {
            await context.updateActivity(message as Partial<Activity>);
          } catch (error) {
            failure = error;
          }
        },
      );
      if (failure !== undefined) throw toConnectorError(failure);
    },
  };
}

function toConnectorError(error: unknown): ConnectorCallError {
  const e = error as {
    statusCode?: number;
    response?: { headers?: { get?(name: string): string | undefined } };
  };
  const retryAfter = e.response?.headers?.get?.("retry-after");
  const seconds = retryAfter === undefined ? Number.NaN : Number(retryAfter);
  return new ConnectorCallError(
    e.statusCode,
    Number.isFinite(seconds) ? seconds * 1000 : undefined,
    `Bot Connector answered ${e.statusCode ?? "with a network error"}`,
  );
}
