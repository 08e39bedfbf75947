-- 0003: which converters and metadata rules a document was read with, so that a better reader makes
-- the next ingest read unchanged files again (their passage ids stay where their text does).
ALTER TABLE documents ADD COLUMN conversion_fingerprint TEXT NOT NULL DEFAULT '';
