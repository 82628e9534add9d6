-- The rows and triggers the schema cannot say (the SQLite migrations 0008, 0012 and 0017, for PostgreSQL).

-- The content version: bumped by every write to what readers see, in the writing transaction, and
-- announced on the channel cms_content when that transaction commits (one notification per
-- transaction: PostgreSQL folds identical ones), so every server's caches let go within moments.
INSERT INTO content_state (id, version) VALUES (1, 0);
--> statement-breakpoint
CREATE FUNCTION cms_bump_content() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE content_state SET version = version + 1 WHERE id = 1;
  PERFORM pg_notify('cms_content', '');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER articles_content AFTER INSERT OR UPDATE OR DELETE ON articles FOR EACH ROW EXECUTE FUNCTION cms_bump_content();
--> statement-breakpoint
CREATE TRIGGER tags_content AFTER INSERT OR UPDATE OR DELETE ON tags FOR EACH ROW EXECUTE FUNCTION cms_bump_content();
--> statement-breakpoint
CREATE TRIGGER article_tags_content AFTER INSERT OR UPDATE OR DELETE ON article_tags FOR EACH ROW EXECUTE FUNCTION cms_bump_content();
--> statement-breakpoint
CREATE TRIGGER article_slugs_content AFTER INSERT OR UPDATE OR DELETE ON article_slugs FOR EACH ROW EXECUTE FUNCTION cms_bump_content();
--> statement-breakpoint

-- article_tags.live_published_at mirrors the article's published_at while it is live (published and
-- not in the trash), so counting a tag's published articles reads one index range.
CREATE FUNCTION cms_tag_live_on_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.live_published_at := (SELECT CASE WHEN a.status = 'published' AND a.deleted_at IS NULL THEN a.published_at END
    FROM articles a WHERE a.id = NEW.article_id);
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER article_tags_live_on_link BEFORE INSERT ON article_tags FOR EACH ROW EXECUTE FUNCTION cms_tag_live_on_link();
--> statement-breakpoint
CREATE FUNCTION cms_tag_live_on_article_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE article_tags SET live_published_at =
    CASE WHEN NEW.status = 'published' AND NEW.deleted_at IS NULL THEN NEW.published_at END
  WHERE article_id = NEW.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER article_tags_live_on_article_change AFTER UPDATE OF status, deleted_at, published_at ON articles
  FOR EACH ROW EXECUTE FUNCTION cms_tag_live_on_article_change();
--> statement-breakpoint

-- Article counts by editorial class, kept by every writing transaction: metrics read three rows.
INSERT INTO article_counts (state, n) VALUES ('draft', 0), ('live', 0), ('deleted', 0);
--> statement-breakpoint
CREATE FUNCTION cms_count_class(status text, deleted_at text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN deleted_at IS NOT NULL THEN 'deleted' WHEN status = 'draft' THEN 'draft' ELSE 'live' END
$$;
--> statement-breakpoint
CREATE FUNCTION cms_count_articles() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE article_counts SET n = n - 1 WHERE state = cms_count_class(OLD.status, OLD.deleted_at);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE article_counts SET n = n + 1 WHERE state = cms_count_class(NEW.status, NEW.deleted_at);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER articles_count AFTER INSERT OR DELETE OR UPDATE OF status, deleted_at ON articles
  FOR EACH ROW EXECUTE FUNCTION cms_count_articles();
