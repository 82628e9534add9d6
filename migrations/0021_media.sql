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
CREATE INDEX `articles_cover_media_id_idx` ON `articles` (`cover_media_id`) WHERE cover_media_id IS NOT NULL;--> statement-breakpoint
-- Media are content: their reads are cached like articles', so every write to them bumps the content version (0012).
CREATE TRIGGER `media_content_insert` AFTER INSERT ON `media` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `media_content_update` AFTER UPDATE ON `media` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `media_content_delete` AFTER DELETE ON `media` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
