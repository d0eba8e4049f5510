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
import { SpanKind } from "../../platform/telemetry/spans";
import type { ConversationRef, IncomingActivity, OutgoingActivity } from "../activity";
import { stage } from "../stage-span";

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

type AuthenticateRequestResult = Awaited<
  ReturnType<ConfigurationBotFrameworkAuthentication["authenticateRequest"]>
>;

/** CloudAdapter with the authenticated entry point (protected in the SDK) open to the seam. */
class SeamAdapter extends CloudAdapter {
  processAuthenticated(
    authenticated: AuthenticateRequestResult,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ) {
    return this.processActivity(authenticated, activity, logic);
  }
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
  reuseConnectorClients(auth);
  const adapter = new SeamAdapter(auth);
  // Our handlers catch their own errors; anything reaching here is a bug worth a log line, never a crash.
  adapter.onTurnError = async (_context, error) => {
    logger.error("bot turn failed", { error });
  };

  const turnOf = (context: TurnContext): Turn => ({
    activity: context.activity as unknown as IncomingActivity,
    async send(message) {
      const sent = await stage(
        "connector.send",
        () => context.sendActivity(message as Partial<Activity>),
        SpanKind.CLIENT,
      );
      return sent?.id;
    },
    async update(message) {
      await context.updateActivity(message as Partial<Activity>);
    },
    async member(userId) {
      try {
        const m = await stage(
          "connector.member",
          () => TeamsInfo.getMember(context, userId),
          SpanKind.CLIENT,
        );
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
      const activity = request.body as Activity;
      // Authenticated here rather than inside CloudAdapter.process, which console.error()s the whole
      // multi-line SDK stack for every bad token; a garbage token is one warning line.
      let authenticated: AuthenticateRequestResult;
      try {
        authenticated = await stage("bot.auth", () =>
          auth.authenticateRequest(activity, request.headers.authorization ?? ""),
        );
      } catch (error) {
        logger.warn("activity refused: its Bot Framework token did not verify", {
          reason: oneLine(error),
          type: activity.type,
        });
        return { status: 401, body: undefined };
      }
      try {
        const invoke = await adapter.processAuthenticated(authenticated, activity, async (context) => {
          const result = await stage("bot.handle", () => handler(turnOf(context)));
          if (result && context.activity.type === "invoke") {
            await context.sendActivity({
              type: "invokeResponse",
              value: { status: result.status, body: result.body },
            });
          }
        });
        return { status: invoke?.status ?? 200, body: invoke?.body };
      } catch (error) {
        // Never hand the SDK's exception text to a caller.
        logger.error("activity processing failed", { reason: oneLine(error), type: activity.type });
        return { status: 500, body: undefined };
      }
    },

    async updateMessage(ref, message) {
      let failure: unknown;
      // With onTurnError set, an error thrown in this callback would be swallowed: catch it here.
      await adapter.continueConversationAsync(
        appId,
        ref as unknown as Partial<ConversationReference>,
        async (context) => {
          try {
            // Not context.updateActivity: it stamps the continuation activity's id (a random one
            // when the reference has none) as replyToId. An edit replies to nothing.
            await context.adapter.updateActivity(context, {
              ...(message as Partial<Activity>),
              channelId: ref.channelId,
              serviceUrl: ref.serviceUrl,
              conversation: ref.conversation as Activity["conversation"],
              from: ref.bot as Activity["from"],
              ...(ref.user ? { recipient: ref.user as Activity["recipient"] } : {}),
            });
          } catch (error) {
            failure = error;
          }
        },
      );
      if (failure !== undefined) throw toConnectorError(failure);
    },
  };
}

type ConnectorFactory = ReturnType<ConfigurationBotFrameworkAuthentication["createConnectorFactory"]>;
type ConnectorClient = Awaited<ReturnType<ConnectorFactory["create"]>>;

/** Distinct bot app, service URL and audience triples kept; Teams has a handful of service URLs. */
const MAX_CONNECTOR_CLIENTS = 64;

/**
 * One ConnectorClient per bot app, service URL and audience, where the SDK's factory built a new one
 * (credentials, and an HTTP pipeline of a dozen policies) for every turn and every card update: in a
 * profile of Teams commands its construction was about as costly as the send itself. A client holds
 * no state between requests and its credentials cache their token, so one serves every call.
 */
export function reuseConnectorClients(auth: ConfigurationBotFrameworkAuthentication): void {
  const clients = new Map<string, Promise<ConnectorClient>>();
  const createFactory = auth.createConnectorFactory.bind(auth);
  auth.createConnectorFactory = (claimsIdentity) => {
    const factory = createFactory(claimsIdentity);
    // The SDK's factory says which app it sends as; one that does not is left alone.
    const appId = (factory as { appId?: unknown }).appId;
    if (typeof appId !== "string") return factory;
    return {
      create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
        const key = JSON.stringify([appId, serviceUrl, audience ?? null]);
        let client = clients.get(key);
        if (!client) {
          if (clients.size >= MAX_CONNECTOR_CLIENTS) clients.clear();
          client = factory.create(serviceUrl, audience);
          // A failed creation is not kept: the next call tries again.
          client.catch(() => clients.delete(key));
          clients.set(key, client);
        }
        return client;
      },
    };
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

/** An error as one log line: the SDK's errors carry multi-line stacks and nested causes. */
function oneLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return (text.split("\n")[0] ?? "").slice(0, 300);
}
