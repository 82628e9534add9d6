ALTER TABLE `search_docs` ADD `updated_at` text;--> statement-breakpoint
ALTER TABLE `search_docs` ADD `lang` text;