-- 0002: every write to a document bumps its revision through one change sequence (the change feed
-- servers follow); what the index holds is recorded in the index itself, so indexed_sha256 goes.
-- Versions of a document's file are kept, and editors' corrections of its metadata survive re-ingest.

ALTER TABLE documents ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN analysis_fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE documents DROP COLUMN indexed_sha256;

-- One row per write, in order. A document's revision is the seq of its latest change.
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('content', 'metadata', 'visibility', 'analysis', 'review', 'deleted')),
    at TEXT NOT NULL
);
CREATE INDEX changes_by_document ON changes(document_id, seq);

INSERT INTO changes (document_id, kind, at) SELECT id, 'content', ingested_at FROM documents ORDER BY ingested_at, id;
UPDATE documents SET revision = (SELECT MAX(seq) FROM changes c WHERE c.document_id = documents.id);

-- Ids are handed out in a write transaction, one per source, so two processes never share one.
CREATE TABLE document_ids (
    id TEXT PRIMARY KEY,
    source_path TEXT NOT NULL UNIQUE
);
INSERT INTO document_ids (id, source_path) SELECT id, source_path FROM documents;

-- The files a document has been read from, newest last; originals stay on disk content-addressed, so
-- an earlier version can be restored. Not tied to the documents row, which a re-ingest replaces.
CREATE TABLE document_versions (
    document_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    format TEXT,
    size_bytes INTEGER,
    original_path TEXT,
    ingested_at TEXT NOT NULL,
    ingested_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (document_id, revision)
);
INSERT INTO document_versions (document_id, revision, sha256, file_name, format, size_bytes, original_path, ingested_at)
    SELECT id, revision, sha256, file_name, format, size_bytes, original_path, ingested_at FROM documents;

-- An editor's correction of a metadata field; applied over what ingest finds, every time.
CREATE TABLE document_overrides (
    document_id TEXT NOT NULL,
    field TEXT NOT NULL CHECK (field IN ('title', 'organisation', 'year', 'doc_type')),
    value TEXT NOT NULL,
    editor TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (document_id, field)
);

-- The one rule for people's verdicts on goal links: a rejected link is gone, a confirmed one counts as
-- certain (score 1), and a link a person added that the linker never proposed counts too.
CREATE VIEW reviewed_links AS
    SELECT l.passage_id, l.document_id, l.goal_id,
           CASE WHEN r.verdict = 'confirmed' THEN 1.0 ELSE l.score END AS score,
           CASE WHEN r.verdict = 'confirmed' THEN 'confirmed' ELSE l.kind END AS kind,
           l.evidence, r.reviewer
    FROM goal_links l
    LEFT JOIN goal_reviews r ON r.passage_id = l.passage_id AND r.goal_id = l.goal_id
    WHERE r.verdict IS NULL OR r.verdict = 'confirmed'
    UNION ALL
    SELECT r.passage_id, p.document_id, r.goal_id, 1.0, 'confirmed', '[]', r.reviewer
    FROM goal_reviews r JOIN passages p ON p.id = r.passage_id
    WHERE r.verdict = 'confirmed'
      AND NOT EXISTS (SELECT 1 FROM goal_links l WHERE l.passage_id = r.passage_id AND l.goal_id = r.goal_id);
