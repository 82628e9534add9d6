-- Search rowids now follow publication dates (see publicationKey in src/modules/search/search.index.ts),
-- so "the newest 1,000 matches" means the newest published, not the most recently re-indexed. The old
-- keys are dropped here; the server re-indexes every article at its next start (stemming runs in
-- JavaScript, which SQL cannot call), as it does for any article missing from the index.
DELETE FROM `article_search`;
--> statement-breakpoint
DELETE FROM `search_docs`;
