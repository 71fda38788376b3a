-- A new password or a disabled account ends the user's access tokens too, not only the refresh
-- tokens: tokens issued before this time are refused.
ALTER TABLE users ADD COLUMN sessions_valid_after INTEGER NOT NULL DEFAULT 0;
