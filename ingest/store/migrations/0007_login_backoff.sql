-- 0004: login throttling by exponential back-off per user name, client address and trusted browser
-- (webapp/login_limits.py). One row per key, read and counted in one write transaction, so several
-- server processes sharing the file count every attempt exactly once, before the password is checked.
DROP TABLE IF EXISTS login_attempts;

CREATE TABLE login_backoff (
    key TEXT PRIMARY KEY,          -- "name:anna", "addr:192.0.2.7", "device:<random id>"
    failures INTEGER NOT NULL,     -- attempts counted since the last success or the last quiet period
    last_at REAL NOT NULL,         -- unix time of the latest counted attempt
    blocked_until REAL NOT NULL    -- no attempt for this key has its password checked before this time
);
CREATE INDEX login_backoff_by_last ON login_backoff(last_at);
