CREATE TABLE "article_counts" (
	"state" text COLLATE "C" PRIMARY KEY NOT NULL,
	"n" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "article_revisions" (
	"article_id" text COLLATE "C" NOT NULL,
	"version" integer NOT NULL,
	"saved_at" text COLLATE "C" NOT NULL,
	"saved_by" text NOT NULL,
	"title" text NOT NULL,
	"snapshot" jsonb NOT NULL,
	CONSTRAINT "article_revisions_article_id_version_pk" PRIMARY KEY("article_id","version")
);
--> statement-breakpoint
CREATE TABLE "article_slugs" (
	"slug" text COLLATE "C" PRIMARY KEY NOT NULL,
	"article_id" text COLLATE "C" NOT NULL,
	"retired_at" text COLLATE "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "article_tags" (
	"article_id" text COLLATE "C" NOT NULL,
	"tag_id" text COLLATE "C" NOT NULL,
	"position" integer NOT NULL,
	"live_published_at" text COLLATE "C",
	CONSTRAINT "article_tags_article_id_tag_id_pk" PRIMARY KEY("article_id","tag_id")
);
--> statement-breakpoint
CREATE TABLE "articles" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"slug" text COLLATE "C" NOT NULL,
	"title" text NOT NULL,
	"title_key" text COLLATE "C" NOT NULL,
	"lead" text,
	"body" text NOT NULL,
	"body_html" text NOT NULL,
	"status" text COLLATE "C" NOT NULL,
	"published_at" text COLLATE "C",
	"deleted_at" text COLLATE "C",
	"lang" text COLLATE "C" NOT NULL,
	"author" text,
	"cover_image_url" text,
	"cover_image_alt" text,
	"version" integer NOT NULL,
	"created_at" text COLLATE "C" NOT NULL,
	"updated_at" text COLLATE "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "content_state" (
	"id" integer PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "counters" (
	"key" text COLLATE "C" PRIMARY KEY NOT NULL,
	"window_start" bigint NOT NULL,
	"hits" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "search_docs" (
	"article_id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"key" bigint NOT NULL,
	"document" "tsvector" NOT NULL,
	"excerpt" text NOT NULL,
	"updated_at" text COLLATE "C" NOT NULL,
	"lang" text COLLATE "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tags" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"slug" text COLLATE "C" NOT NULL,
	"name" text NOT NULL,
	"name_key" text COLLATE "C" NOT NULL,
	"name_skeleton" text COLLATE "C",
	"description" text,
	"created_at" text COLLATE "C" NOT NULL,
	"updated_at" text COLLATE "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tokens" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text COLLATE "C" NOT NULL,
	"hash" text COLLATE "C" NOT NULL,
	"source" text COLLATE "C" NOT NULL,
	"created_at" text COLLATE "C" NOT NULL,
	"expires_at" text COLLATE "C",
	"revoked_at" text COLLATE "C",
	"last_used_at" text COLLATE "C"
);
--> statement-breakpoint
ALTER TABLE "article_revisions" ADD CONSTRAINT "article_revisions_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "public"."articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "article_slugs" ADD CONSTRAINT "article_slugs_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "public"."articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "article_tags" ADD CONSTRAINT "article_tags_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "public"."articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "article_tags" ADD CONSTRAINT "article_tags_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "search_docs" ADD CONSTRAINT "search_docs_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "public"."articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "article_slugs_article_id_idx" ON "article_slugs" USING btree ("article_id");--> statement-breakpoint
CREATE INDEX "article_tags_tag_id_idx" ON "article_tags" USING btree ("tag_id","article_id");--> statement-breakpoint
CREATE INDEX "article_tags_tag_live_idx" ON "article_tags" USING btree ("tag_id","live_published_at","article_id") WHERE live_published_at IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "articles_slug_unique" ON "articles" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "articles_published_at_idx" ON "articles" USING btree ("published_at","id");--> statement-breakpoint
CREATE INDEX "articles_live_published_at_idx" ON "articles" USING btree ("published_at","id") WHERE status = 'published' AND deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX "articles_live_lang_published_at_idx" ON "articles" USING btree ("lang","published_at","id") WHERE status = 'published' AND deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX "articles_updated_at_idx" ON "articles" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "articles_title_key_idx" ON "articles" USING btree ("title_key","id");--> statement-breakpoint
CREATE INDEX "counters_window_start_idx" ON "counters" USING btree ("window_start");--> statement-breakpoint
CREATE INDEX "search_docs_key_idx" ON "search_docs" USING btree ("key");--> statement-breakpoint
CREATE INDEX "search_docs_document_idx" ON "search_docs" USING gin ("document");--> statement-breakpoint
CREATE UNIQUE INDEX "tags_slug_unique" ON "tags" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "tags_name_key_unique" ON "tags" USING btree ("name_key");--> statement-breakpoint
CREATE UNIQUE INDEX "tags_name_skeleton_unique" ON "tags" USING btree ("name_skeleton");--> statement-breakpoint
CREATE UNIQUE INDEX "tokens_hash_unique" ON "tokens" USING btree ("hash");