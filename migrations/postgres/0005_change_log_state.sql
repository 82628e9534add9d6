-- The change log's one state row (see change_log in src/store/postgres/schema.ts).
INSERT INTO change_state (id, head, scheduled_through, pruned_through, dispatched_through)
VALUES (1, 0, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 0, 0);
--> statement-breakpoint
-- An appended entry is news to readers even when no article row changed (a scheduled article coming
-- due): it bumps the content version and notifies, which wakes long-polls and webhook delivery.
CREATE TRIGGER change_log_content AFTER INSERT ON change_log FOR EACH STATEMENT EXECUTE FUNCTION cms_bump_content();
