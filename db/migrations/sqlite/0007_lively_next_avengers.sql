CREATE TABLE `bot_cards` (
	`id` text PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	`source_key` text,
	`activity_id` text,
	`task_id` text,
	`conversation_ref` text NOT NULL,
	`delivered_status` text,
	`settled` integer DEFAULT false NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bot_cards_source_idx` ON `bot_cards` (`conversation_id`,`source_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `bot_cards_activity_idx` ON `bot_cards` (`conversation_id`,`activity_id`);--> statement-breakpoint
CREATE INDEX `bot_cards_task_idx` ON `bot_cards` (`task_id`);--> statement-breakpoint
CREATE INDEX `bot_cards_pending_idx` ON `bot_cards` (`settled`,`next_attempt_at`);