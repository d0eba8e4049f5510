/** One bot message or update as the /chat page sees it. */
export interface EmulatorEvent {
  /** Per conversation, increasing: the SSE id the page resumes from. */
  seq: number;
  id: string;
  replyToId: string | undefined;
  kind: "created" | "updated";
  text: string | undefined;
  attachments: Array<{ contentType: string; content: unknown }>;
}

interface Conversation {
  events: EmulatorEvent[];
  seq: number;
  listeners: Set<(event: EmulatorEvent) => void>;
  users: Map<string, { id: string; name: string }>;
}

export interface EmulatorStoreLimits {
  conversations: number;
  eventsPerConversation: number;
}

/** What the emulated connector received, per conversation, bounded in both directions. */
export function createEmulatorStore(
  limits: EmulatorStoreLimits = { conversations: 500, eventsPerConversation: 200 },
) {
  const conversations = new Map<string, Conversation>();
  let nextActivity = 0;

  function conversation(id: string): Conversation {
    let c = conversations.get(id);
    if (c) {
      // Most recently used last, so the oldest idle conversation is dropped first.
      conversations.delete(id);
      conversations.set(id, c);
      return c;
    }
    c = { events: [], seq: 0, listeners: new Set(), users: new Map() };
    conversations.set(id, c);
    for (const [key, old] of conversations) {
      if (conversations.size <= limits.conversations) break;
      if (old.listeners.size === 0) conversations.delete(key);
    }
    return c;
  }

  return {
    /** Records a bot message or update and tells the page; answers the activity id. */
    record(conversationId: string, input: Omit<EmulatorEvent, "seq" | "id"> & { id?: string }): string {
      const c = conversation(conversationId);
      const id = input.id ?? `emu-${Date.now().toString(36)}-${++nextActivity}`;
      const event: EmulatorEvent = { ...input, id, seq: ++c.seq };
      c.events.push(event);
      if (c.events.length > limits.eventsPerConversation) c.events.shift();
      for (const listener of c.listeners) listener(event);
      return id;
    },
    /** Stored events after `afterSeq`, then live ones until the returned function is called. */
    subscribe(
      conversationId: string,
      afterSeq: number,
      listener: (event: EmulatorEvent) => void,
    ): () => void {
      const c = conversation(conversationId);
      for (const event of c.events) if (event.seq > afterSeq) listener(event);
      c.listeners.add(listener);
      return () => c.listeners.delete(listener);
    },
    rememberUser(conversationId: string, user: { id: string; name: string }): void {
      conversation(conversationId).users.set(user.id, user);
    },
    user(conversationId: string, userId: string): { id: string; name: string } | undefined {
      return conversations.get(conversationId)?.users.get(userId);
    },
    size: () => conversations.size,
  };
}

export type EmulatorStore = ReturnType<typeof createEmulatorStore>;
