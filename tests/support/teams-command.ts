import { cardOf, taskIdOnCard } from "./bot-runtime";
import type { FakeConnector } from "./fake-connector";
import { channelMessage } from "./teams-activities";

/**
 * Sends a channel message to the bot at `botUrl` as Teams would (replies go to the fake connector) and
 * resolves with the activity and the id of the task on the bot's reply card.
 */
export async function sendTaskCommand(
  botUrl: string,
  connector: FakeConnector,
  conversationId: string,
  text: string,
): Promise<{ activity: ReturnType<typeof channelMessage>; taskId: string }> {
  const activity = channelMessage({ serviceUrl: connector.url, conversationId, text });
  const answer = await fetch(`${botUrl}/api/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(activity),
  });
  if (answer.status !== 200) throw new Error(`/api/messages answered ${answer.status}`);
  const reply = await connector.waitFor((c) => c.method === "POST" && c.activityId === activity.id);
  return { activity, taskId: taskIdOnCard(cardOf(reply.body)) };
}
