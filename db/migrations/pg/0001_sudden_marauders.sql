ALTER TABLE "artifacts" ALTER COLUMN "size" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "artifacts" ADD COLUMN "meta" jsonb;