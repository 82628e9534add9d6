-- article_tags.live_published_at mirrors the article's published_at while it is live (published and
-- not in the trash), so counting a tag's published articles reads one index range.
UPDATE `article_tags` SET `live_published_at` = (
	SELECT CASE WHEN a.status = 'published' AND a.deleted_at IS NULL THEN a.published_at END
	FROM `articles` a WHERE a.id = `article_tags`.`article_id`
);--> statement-breakpoint
CREATE TRIGGER `article_tags_live_on_link` AFTER INSERT ON `article_tags` BEGIN
	UPDATE `article_tags` SET `live_published_at` = (
		SELECT CASE WHEN a.status = 'published' AND a.deleted_at IS NULL THEN a.published_at END
		FROM `articles` a WHERE a.id = NEW.article_id
	) WHERE article_id = NEW.article_id AND tag_id = NEW.tag_id;
END;--> statement-breakpoint
CREATE TRIGGER `article_tags_live_on_article_change` AFTER UPDATE OF status, deleted_at, published_at ON `articles` BEGIN
	UPDATE `article_tags` SET `live_published_at` =
		CASE WHEN NEW.status = 'published' AND NEW.deleted_at IS NULL THEN NEW.published_at END
	WHERE article_id = NEW.id;
END;
