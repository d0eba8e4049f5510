CREATE TABLE "bot_cards" (
	"id" text PRIMARY KEY NOT NULL,
	"conversation_id" text NOT NULL,
	"source_key" text,
	"activity_id" text,
	"task_id" text,
	"conversation_ref" jsonb NOT NULL,
	"delivered_status" text,
	"settled" boolean DEFAULT false NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "bot_cards_source_idx" ON "bot_cards" USING btree ("conversation_id","source_key");--> statement-breakpoint
CREATE UNIQUE INDEX "bot_cards_activity_idx" ON "bot_cards" USING btree ("conversation_id","activity_id");--> statement-breakpoint
CREATE INDEX "bot_cards_task_idx" ON "bot_cards" USING btree ("task_id");--> statement-breakpoint
CREATE INDEX "bot_cards_pending_idx" ON "bot_cards" USING btree ("settled","next_attempt_at");