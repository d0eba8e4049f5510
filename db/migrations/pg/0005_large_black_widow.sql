ALTER TABLE "tasks" ADD COLUMN "lease_token" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "lease_expires_at" timestamp with time zone;