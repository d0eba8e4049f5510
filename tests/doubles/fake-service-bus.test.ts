import { describe, expect, it } from "vitest";
import type { OutgoingMessage } from "../../worker/queue/servicebus/sdk";
import { createFakeServiceBus } from "./fake-service-bus";

// The engine's suites are only as good as this fake: check the session rules it claims to model.

const Q = "q";
const accept = { receiveMode: "peekLock", maxAutoLockRenewalDurationInMs: 1000 } as const;

function message(taskId: string, entityId: string): OutgoingMessage {
  return {
    body: { taskId, entityId },
    sessionId: entityId,
    messageId: taskId,
    contentType: "application/json",
    subject: "t",
  };
}

async function setup() {
  const bus = createFakeServiceBus({ acceptTimeoutMs: 10, maxDeliveryCount: 3 });
  bus.addQueue(Q);
  const sender = bus.client.createSender(Q);
  return { bus, sender };
}

describe("fake Service Bus namespace", () => {
  it("gives a session to one receiver at a time and times out when no session is free", async () => {
    const { bus, sender } = await setup();
    await sender.sendMessages(message("t1", "e"));
    const first = await bus.client.acceptNextSession(Q, accept);

    await expect(bus.client.acceptNextSession(Q, accept)).rejects.toMatchObject({ code: "ServiceTimeout" });
    await first.close();
    await expect(bus.client.acceptNextSession(Q, accept)).resolves.toMatchObject({ sessionId: "e" });
  });

  it("delivers the messages of a session in send order and keeps a received one locked until settled", async () => {
    const { bus, sender } = await setup();
    for (const id of ["t1", "t2", "t3"]) await sender.sendMessages(message(id, "e"));
    const receiver = await bus.client.acceptNextSession(Q, accept);
    const [m1] = await receiver.receiveMessages(1);
    const [m2] = await receiver.receiveMessages(1);
    expect([m1?.messageId, m2?.messageId]).toEqual(["t1", "t2"]);
    if (!m1 || !m2) throw new Error("expected two messages");

    await receiver.abandonMessage(m2);
    await receiver.completeMessage(m1);
    const [again] = await receiver.receiveMessages(1);
    expect(again).toMatchObject({ messageId: "t2", deliveryCount: 1 });
  });

  it("dead-letters a message abandoned MaxDeliveryCount times", async () => {
    const { bus, sender } = await setup();
    await sender.sendMessages(message("t1", "e"));
    const receiver = await bus.client.acceptNextSession(Q, accept);
    for (let n = 0; n < 3; n++) {
      const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5 });
      if (m) await receiver.abandonMessage(m);
    }
    expect(bus.deadLetters(Q)).toEqual([
      expect.objectContaining({ messageId: "t1", reason: "MaxDeliveryCountExceeded" }),
    ]);
  });

  it("fails every call of a receiver whose session lock was lost, and frees the session", async () => {
    const { bus, sender } = await setup();
    await sender.sendMessages(message("t1", "e"));
    const receiver = await bus.client.acceptNextSession(Q, accept);
    const [m] = await receiver.receiveMessages(1);
    if (!m) throw new Error("expected a message");
    bus.loseSessionLock(Q, "e");

    await expect(receiver.completeMessage(m)).rejects.toMatchObject({ code: "SessionLockLost" });
    const next = await bus.client.acceptNextSession(Q, accept);
    await expect(next.receiveMessages(1)).resolves.toEqual([
      expect.objectContaining({ messageId: "t1", deliveryCount: 1 }),
    ]);
  });

  it("refuses a message without a session id on a session queue", async () => {
    const { sender } = await setup();
    await expect(sender.sendMessages({ ...message("t1", "e"), sessionId: "" })).rejects.toMatchObject({
      code: "GeneralError",
    });
  });
});
