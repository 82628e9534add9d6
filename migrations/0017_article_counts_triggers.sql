-- Article counts by editorial class (see article_counts in src/store/sqlite/schema.ts), filled from the
-- articles there are, then kept by triggers in every writing transaction.
INSERT INTO `article_counts` (`state`, `n`)
	SELECT 'draft', count(*) FROM `articles` WHERE `deleted_at` IS NULL AND `status` = 'draft'
	UNION ALL SELECT 'live', count(*) FROM `articles` WHERE `deleted_at` IS NULL AND `status` = 'published'
	UNION ALL SELECT 'deleted', count(*) FROM `articles` WHERE `deleted_at` IS NOT NULL;
--> statement-breakpoint
CREATE TRIGGER `articles_count_insert` AFTER INSERT ON `articles` BEGIN
	UPDATE `article_counts` SET `n` = `n` + 1
	WHERE `state` = CASE WHEN NEW.`deleted_at` IS NOT NULL THEN 'deleted' WHEN NEW.`status` = 'draft' THEN 'draft' ELSE 'live' END;
END;
--> statement-breakpoint
CREATE TRIGGER `articles_count_update` AFTER UPDATE OF `status`, `deleted_at` ON `articles` BEGIN
	UPDATE `article_counts` SET `n` = `n` - 1
	WHERE `state` = CASE WHEN OLD.`deleted_at` IS NOT NULL THEN 'deleted' WHEN OLD.`status` = 'draft' THEN 'draft' ELSE 'live' END;
	UPDATE `article_counts` SET `n` = `n` + 1
	WHERE `state` = CASE WHEN NEW.`deleted_at` IS NOT NULL THEN 'deleted' WHEN NEW.`status` = 'draft' THEN 'draft' ELSE 'live' END;
END;
--> statement-breakpoint
CREATE TRIGGER `articles_count_delete` AFTER DELETE ON `articles` BEGIN
	UPDATE `article_counts` SET `n` = `n` - 1
	WHERE `state` = CASE WHEN OLD.`deleted_at` IS NOT NULL THEN 'deleted' WHEN OLD.`status` = 'draft' THEN 'draft' ELSE 'live' END;
END;
