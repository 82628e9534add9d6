-- Full-text index over Snowball stems of title, lead and body, written by the application in the same
-- transaction as each article write (stemming happens in JavaScript, so no triggers). Contentless: the
-- text lives in articles; rows are deleted by rowid.
CREATE VIRTUAL TABLE `article_search` USING fts5(
	title, lead, body,
	content = '',
	contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2'
);
