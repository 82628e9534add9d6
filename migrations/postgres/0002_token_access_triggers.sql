-- Who may read is part of what a read sees (the SQLite migration 0018): a token's revocation,
-- deletion or change of role or expiry bumps the content version and notifies every server, which
-- lets go of what it remembered of that token (lib/token-cache.ts). Recording a last use does not.
CREATE TRIGGER tokens_access AFTER UPDATE OF revoked_at, role, expires_at OR DELETE ON tokens
  FOR EACH ROW EXECUTE FUNCTION cms_bump_content();
