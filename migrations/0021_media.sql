CREATE TABLE `media` (
	`id` text PRIMARY KEY NOT NULL,
	`mime_type` text NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`bytes` integer NOT NULL,
	`alt` text NOT NULL,
	`caption` text,
	`credit` text,
	`focal_x` real,
	`focal_y` real,
	`placeholder` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `articles` ADD `cover_media_id` text;--> statement-breakpoint
ALTER TABLE `articles` ADD `cover_media` text;--> statement-breakpoint
CREATE INDEX `articles_cover_media_id_idx` ON `articles` (`cover_media_id`) WHERE cover_media_id IS NOT NULL;
