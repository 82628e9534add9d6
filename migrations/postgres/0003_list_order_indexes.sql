DROP INDEX "articles_published_at_idx";--> statement-breakpoint
DROP INDEX "articles_live_published_at_idx";--> statement-breakpoint
DROP INDEX "articles_live_lang_published_at_idx";--> statement-breakpoint
DROP INDEX "articles_updated_at_idx";--> statement-breakpoint
DROP INDEX "articles_title_key_idx";--> statement-breakpoint
CREATE INDEX "articles_published_at_idx" ON "articles" USING btree ("published_at" DESC NULLS LAST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "articles_live_published_at_idx" ON "articles" USING btree ("published_at" DESC NULLS LAST,"id" DESC NULLS FIRST) WHERE status = 'published' AND deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX "articles_live_lang_published_at_idx" ON "articles" USING btree ("lang","published_at" DESC NULLS LAST,"id" DESC NULLS FIRST) WHERE status = 'published' AND deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX "articles_updated_at_idx" ON "articles" USING btree ("updated_at" DESC NULLS LAST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "articles_title_key_idx" ON "articles" USING btree ("title_key" DESC NULLS LAST,"id" DESC NULLS FIRST);