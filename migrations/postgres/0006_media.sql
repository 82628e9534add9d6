CREATE TABLE "media" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"mime_type" text COLLATE "C" NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"bytes" integer NOT NULL,
	"alt" text NOT NULL,
	"caption" text,
	"credit" text,
	"focal_x" double precision,
	"focal_y" double precision,
	"placeholder" text NOT NULL,
	"created_at" text COLLATE "C" NOT NULL,
	"updated_at" text COLLATE "C" NOT NULL
);
--> statement-breakpoint
ALTER TABLE "articles" ADD COLUMN "cover_media_id" text COLLATE "C";--> statement-breakpoint
ALTER TABLE "articles" ADD COLUMN "cover_media" jsonb;--> statement-breakpoint
CREATE INDEX "articles_cover_media_id_idx" ON "articles" USING btree ("cover_media_id") WHERE cover_media_id IS NOT NULL;
