import type { QueueState } from "../../../contracts/operations";
import type { TaskRow } from "../../../db/rows";
import type { EntityQueueState } from "../../../domain/queue-port";

type Entity = QueueState["entities"][number];

/**
 * The queue's entities with the reason a lane stands still: a head task awaiting approval. A parked
 * task the engine cannot see from this process (Service Bus in another worker) still shows, as an
 * entity of depth 1, so the queue view never hides a blocked lane.
 */
export function withApprovalBlocks(snapshot: EntityQueueState[], parked: TaskRow[]): Entity[] {
  const byEntity = new Map(parked.map((t) => [t.entityId, t]));
  const entities: Entity[] = snapshot.map((e) => {
    const task = byEntity.get(e.entityId);
    byEntity.delete(e.entityId);
    return { ...e, blockedBy: task ? blockOf(task) : null };
  });
  for (const task of byEntity.values()) {
    entities.push({
      entityId: task.entityId,
      depth: 1,
      runningTaskId: null,
      pendingTaskIds: [task.id],
      blockedBy: blockOf(task),
    });
  }
  return entities.sort((a, b) => a.entityId.localeCompare(b.entityId));
}

function blockOf(task: TaskRow): NonNullable<Entity["blockedBy"]> {
  return {
    taskId: task.id,
    reason: "awaiting approval",
    requestedBy: task.requestedBy,
    expiresAt: task.approval?.expiresAt ?? "",
  };
}
