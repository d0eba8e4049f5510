// The Bot Connector half of `npm run bench:bot`, in its own process: the fake connector the tests
// use, plus a control server for the load client: POST /throttle?ms=&retryAfter=, POST /unthrottle,
// GET /wait?replyTo=<activity id> (answers with the connector's receipt time of the bot's reply) and
// GET /wait?updateOf=<activity id>&contains=<text> (the first update of that message containing text).
// Prints "READY <connector url> <control url>".
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startFakeConnector } from "../support/fake-connector";

const connector = await startFakeConnector();
// The load client's users are in the roster, as people in a real team are: the roster lookup answers
// (and is cached for 10 minutes) instead of failing and being asked again every 30 s.
for (let i = 0; i < 1000; i++) {
  connector.members.set(`29:bench-user-${i}`, {
    email: `bench-user-${i}@contoso.com`,
    userPrincipalName: `bench-user-${i}@contoso.com`,
    name: `Bench User ${i}`,
  });
}
const control = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://control");
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (req.method === "POST" && url.pathname === "/throttle") {
    connector.throttle({
      forMs: Number(url.searchParams.get("ms") ?? 60_000),
      retryAfterSeconds: Number(url.searchParams.get("retryAfter") ?? 3),
    });
    return reply(200, { throttling: true });
  }
  if (req.method === "POST" && url.pathname === "/unthrottle") {
    connector.stopThrottling();
    return reply(200, { throttling: false });
  }
  if (req.method === "GET" && url.pathname === "/wait") {
    const replyTo = url.searchParams.get("replyTo");
    const updateOf = url.searchParams.get("updateOf");
    const contains = url.searchParams.get("contains") ?? "";
    try {
      const call = await connector.waitFor(
        (c) =>
          c.status === 200 &&
          (replyTo !== null
            ? c.method === "POST" && c.activityId === replyTo
            : c.method === "PUT" && c.activityId === updateOf && JSON.stringify(c.body).includes(contains)),
        Number(url.searchParams.get("timeoutMs") ?? 60_000),
      );
      return reply(200, { at: call.at, activityId: call.resultId, body: call.body });
    } catch (error) {
      return reply(504, { error: String(error) });
    }
  }
  return reply(404, {});
});
await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
const { port } = control.address() as AddressInfo;
console.log(`READY ${connector.url} http://127.0.0.1:${port}`);

process.once("SIGTERM", async () => {
  control.close();
  await connector.close();
  process.exit(0);
});
