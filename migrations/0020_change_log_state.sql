-- The change log's one state row. Scheduled articles that went live before the log existed need no
-- entries (a sync starts from a snapshot), so scheduled_through starts now.
INSERT INTO `change_state` (`id`, `scheduled_through`, `pruned_through`, `dispatched_through`)
VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 0, 0);
--> statement-breakpoint
-- An appended entry is news to readers even when no article row changed (a scheduled article coming
-- due): it bumps the content version, which wakes /v1/changes long-polls and the delivery of webhooks.
CREATE TRIGGER `change_log_content_insert` AFTER INSERT ON `change_log` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
