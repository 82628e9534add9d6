ALTER TABLE `tags` ADD `name_skeleton` text;--> statement-breakpoint
CREATE UNIQUE INDEX `tags_name_skeleton_unique` ON `tags` (`name_skeleton`);