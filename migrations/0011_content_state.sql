CREATE TABLE `content_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` integer NOT NULL
);
