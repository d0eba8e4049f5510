import { z } from "@hono/zod-openapi";

// The Teams bot's record of the messages it posted and keeps current (internal: bot callers only).

const conversationRef = z
  .record(z.string(), z.unknown())
  .openapi({ description: "The Bot Framework conversation reference of the message's conversation" });
const key = (example: string) => z.string().min(1).max(512).openapi({ example });
const status = z.string().min(1).max(40).openapi({ example: "running" });

export const BotCardSchema = z
  .object({
    id: z.string().openapi({ example: "bcd_01jd2x5k8m0000abcdefghjkmn" }),
    conversationId: z.string(),
    sourceKey: z.string().nullable(),
    activityId: z.string().nullable(),
    taskId: z.string().nullable(),
    conversationRef: z.record(z.string(), z.unknown()),
    deliveredStatus: z.string().nullable(),
    settled: z.boolean(),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("BotCard");

export const ClaimBotCardSchema = z
  .strictObject({
    conversationId: key("19:abc@thread.tacv2"),
    sourceKey: key("1736071234567").openapi({
      description: "What causes the post: the incoming activity id, or e.g. `welcome`",
    }),
    conversationRef,
  })
  .openapi("ClaimBotCard");

export const BotCardClaimSchema = z
  .object({
    card: BotCardSchema,
    created: z.boolean().openapi({ description: "false: the key was claimed before (a redelivery)" }),
  })
  .openapi("BotCardClaim");

export const RegisterBotCardSchema = z
  .strictObject({
    conversationId: key("19:abc@thread.tacv2"),
    activityId: key("1736071234567"),
    taskId: key("tsk_01jd2x5k8m0000abcdefghjk"),
    conversationRef,
  })
  .openapi("RegisterBotCard");

export const UpdateBotCardSchema = z
  .strictObject({
    activityId: key("1736071234567").optional(),
    taskId: key("tsk_01jd2x5k8m0000abcdefghjk").optional(),
    conversationRef: conversationRef.optional(),
    deliveredStatus: status.nullable().optional(),
    settled: z.boolean().optional(),
    attempts: z.number().int().min(0).max(1_000_000).optional(),
    nextAttemptAt: z.iso.datetime().nullable().optional(),
    lastError: z.string().max(1000).nullable().optional(),
  })
  .openapi("UpdateBotCard");

export const BotCardParams = z.object({
  id: z
    .string()
    .regex(/^bcd_[0-9a-hjkmnp-tv-z]{26}$/, "must be a bot card id (bcd_…)")
    .openapi({ param: { name: "id", in: "path" }, example: "bcd_01jd2x5k8m0000abcdefghjkmn" }),
});

export const BotCardListQuery = z.object({
  taskId: z.string().min(1).max(64).optional(),
  unsettled: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "true: only cards still owed an update" }),
  limit: z.coerce.number().int().min(1).max(500).default(500),
});

export const BotCardListSchema = z.object({ items: z.array(BotCardSchema) }).openapi("BotCardList");

export type BotCard = z.infer<typeof BotCardSchema>;
export type ClaimBotCard = z.infer<typeof ClaimBotCardSchema>;
export type BotCardClaim = z.infer<typeof BotCardClaimSchema>;
export type RegisterBotCard = z.infer<typeof RegisterBotCardSchema>;
export type UpdateBotCard = z.infer<typeof UpdateBotCardSchema>;
export type BotCardList = z.infer<typeof BotCardListSchema>;
export type BotCardListQuery = Partial<z.output<typeof BotCardListQuery>>;

export const EXAMPLE_BOT_CARD: BotCard = {
  id: "bcd_01jd2x5k8m0000abcdefghjkmn",
  conversationId: "19:abc@thread.tacv2",
  sourceKey: "1736071234000",
  activityId: "1736071234567",
  taskId: "tsk_01jd2x5k8m0000abcdefghjkmn",
  conversationRef: {
    conversation: { id: "19:abc@thread.tacv2" },
    serviceUrl: "https://smba.trafficmanager.net/emea/",
  },
  deliveredStatus: "running",
  settled: false,
  attempts: 0,
  nextAttemptAt: null,
  lastError: null,
  createdAt: "2026-01-05T10:00:00.000Z",
  updatedAt: "2026-01-05T10:00:04.000Z",
};
