-- Who may read is part of what a read sees: a token's revocation, deletion or change of role or
-- expiry bumps the content version too, so every process lets go of what it remembered of that token
-- (the resolved-token cache, lib/token-cache.ts) at once. Recording a token's last use does not.
CREATE TRIGGER `tokens_access_update` AFTER UPDATE OF `revoked_at`, `role`, `expires_at` ON `tokens` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `tokens_access_delete` AFTER DELETE ON `tokens` BEGIN
	UPDATE `content_state` SET `version` = `version` + 1 WHERE `id` = 1;
END;
