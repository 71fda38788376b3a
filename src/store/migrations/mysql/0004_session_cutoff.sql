-- As migrations/sqlite/0004_session_cutoff.sql.
ALTER TABLE users ADD COLUMN sessions_valid_after BIGINT NOT NULL DEFAULT 0;
