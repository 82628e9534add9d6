-- The content version (see content_state in src/db/schema.ts): one row, bumped by every write to what
-- readers see, in the writing transaction, so caches of public answers know when to let go.
INSERT INTO `content_state` (`id`, `version`) VALUES (1, 0);
--> statement-breakpoint
CREATE TRIGGER `articles_content_insert` AFTER INSERT ON `articles` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `articles_content_update` AFTER UPDATE ON `articles` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `articles_content_delete` AFTER DELETE ON `articles` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `tags_content_insert` AFTER INSERT ON `tags` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `tags_content_update` AFTER UPDATE ON `tags` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `tags_content_delete` AFTER DELETE ON `tags` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `article_tags_content_insert` AFTER INSERT ON `article_tags` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `article_tags_content_update` AFTER UPDATE ON `article_tags` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `article_tags_content_delete` AFTER DELETE ON `article_tags` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `article_slugs_content_insert` AFTER INSERT ON `article_slugs` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `article_slugs_content_update` AFTER UPDATE ON `article_slugs` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `article_slugs_content_delete` AFTER DELETE ON `article_slugs` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
