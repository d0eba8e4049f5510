ALTER TABLE `idempotency_keys` ADD `task_id` text;--> statement-breakpoint
ALTER TABLE `idempotency_keys` ADD `locked_until` integer;--> statement-breakpoint
-- Close extra open letters of one task (keep the first) so the unique index below can be built.
UPDATE `dead_letters` SET `status` = 'skipped', `resolved_by` = 'migration', `resolved_at` = CAST(strftime('%s', 'now') AS INTEGER) * 1000 WHERE `status` = 'open' AND `id` NOT IN (SELECT min(`id`) FROM `dead_letters` WHERE `status` = 'open' GROUP BY `task_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `dead_letters_open_task_uq` ON `dead_letters` (`task_id`) WHERE "dead_letters"."status" = 'open';