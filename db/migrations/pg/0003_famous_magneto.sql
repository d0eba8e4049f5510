ALTER TABLE "idempotency_keys" ADD COLUMN "task_id" text;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "locked_until" timestamp with time zone;--> statement-breakpoint
-- Close extra open letters of one task (keep the first) so the unique index below can be built.
UPDATE "dead_letters" SET "status" = 'skipped', "resolved_by" = 'migration', "resolved_at" = now() WHERE "status" = 'open' AND "id" NOT IN (SELECT min("id") FROM "dead_letters" WHERE "status" = 'open' GROUP BY "task_id");--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letters_open_task_uq" ON "dead_letters" USING btree ("task_id") WHERE "dead_letters"."status" = 'open';