-- 0001: the catalogue as it stood when migrations began (schema_version 1): documents and what is
-- derived from them, the ingest log, accounts and the audit log, upload jobs.
-- IF NOT EXISTS throughout: catalogues made before migrations already have these tables.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    source_path TEXT NOT NULL UNIQUE,     -- where it was ingested from (absolute path or upload key)
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    format TEXT,
    size_bytes INTEGER,
    title TEXT NOT NULL,
    organisation TEXT NOT NULL DEFAULT '',
    year INTEGER,
    doc_type TEXT NOT NULL DEFAULT '',
    visibility TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'internal')),
    pages INTEGER,
    original_path TEXT,                   -- relative to the data dir, content-addressed
    warnings TEXT NOT NULL DEFAULT '[]',  -- JSON list of Swedish notes from the converter
    ingested_at TEXT NOT NULL,
    indexed_sha256 TEXT                   -- version present in the search index; NULL = needs indexing
);

CREATE TABLE IF NOT EXISTS sections (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    heading TEXT NOT NULL,
    level INTEGER NOT NULL,
    path TEXT NOT NULL,                   -- JSON list of headings
    page INTEGER,
    PRIMARY KEY (document_id, ord)
);

CREATE TABLE IF NOT EXISTS passages (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    section_ord INTEGER NOT NULL,
    heading_path TEXT NOT NULL,           -- JSON list of headings
    page_start INTEGER,
    page_end INTEGER,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_by_document ON passages(document_id, ord);

CREATE TABLE IF NOT EXISTS entities (
    id TEXT PRIMARY KEY,                  -- e.g. "project:digi-60"
    type TEXT NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS mentions (
    entity_id TEXT NOT NULL REFERENCES entities(id),
    passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    surface TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS mentions_by_entity ON mentions(entity_id);
CREATE INDEX IF NOT EXISTS mentions_by_passage ON mentions(passage_id);

CREATE TABLE IF NOT EXISTS goal_links (
    passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    goal_id TEXT NOT NULL,
    score REAL NOT NULL CHECK (score >= 0 AND score <= 1),
    kind TEXT NOT NULL CHECK (kind IN ('explicit', 'inferred')),
    evidence TEXT NOT NULL DEFAULT '[]',  -- JSON list
    PRIMARY KEY (passage_id, goal_id)
);
CREATE INDEX IF NOT EXISTS goal_links_by_goal ON goal_links(goal_id, score DESC);

-- A person's verdict on a link. Keyed by the stable passage id, so it survives re-ingest.
CREATE TABLE IF NOT EXISTS goal_reviews (
    passage_id TEXT NOT NULL,
    goal_id TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('confirmed', 'rejected')),
    reviewer TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    PRIMARY KEY (passage_id, goal_id)
);

-- Every attempt, successful or not: nothing handed over is silently lost.
CREATE TABLE IF NOT EXISTS ingest_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    source_path TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT,
    document_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('ingested', 'unchanged', 'failed', 'deleted')),
    reason TEXT
);

-- accounts (webapp/accounts.py)
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS api_tokens (
    token_hash TEXT PRIMARY KEY,          -- sha256 hex of the token; the token itself is never stored
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX IF NOT EXISTS api_tokens_by_user ON api_tokens(username);

CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}'     -- JSON object
);

-- Browser sessions, so that signing out, a new password or a removed account ends them at once.
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,          -- sha256 hex of the session token
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    created_at REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS login_attempts (
    key TEXT NOT NULL,                    -- e.g. "username|ip"
    at REAL NOT NULL                      -- unix time of a failed attempt
);
CREATE INDEX IF NOT EXISTS login_attempts_by_key ON login_attempts(key, at);

-- upload jobs (webapp/uploads.py)
CREATE TABLE IF NOT EXISTS upload_jobs (
    id TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    visibility TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL,          -- queued | running | done | failed
    message TEXT NOT NULL,
    document_id TEXT,
    created_at REAL NOT NULL,
    finished_at REAL,
    claimed_by TEXT                -- "pid" of the server process working on it
);
