CREATE TABLE `search_shard` (
	`id` integer PRIMARY KEY NOT NULL,
	`floor` integer NOT NULL,
	`docs` integer NOT NULL,
	`size` integer NOT NULL
);
--> statement-breakpoint
-- The newest articles' part of article_search, kept beside it by the application (stemming happens in
-- JavaScript): every search doc with rowid >= search_shard.floor is here too. It starts empty above the
-- newest doc; the server fills it downwards at its next start (src/store/sqlite/search-shard.ts).
CREATE VIRTUAL TABLE `recent_search` USING fts5(
	title, lead, body,
	content = '',
	contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2'
);
--> statement-breakpoint
INSERT INTO `search_shard` (`id`, `floor`, `docs`, `size`) SELECT 1, coalesce(max(rowid) + 1, 0), 0, 20000 FROM `search_docs`;
