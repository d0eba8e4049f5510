ALTER TABLE `tasks` ADD `lease_token` text;--> statement-breakpoint
ALTER TABLE `tasks` ADD `lease_expires_at` integer;