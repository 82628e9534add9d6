CREATE TABLE `article_counts` (
	`state` text PRIMARY KEY NOT NULL,
	`n` integer NOT NULL
);
