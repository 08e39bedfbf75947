-- 0004: the section type of every passage (ingest/enrich/section_types.py), and editors' "gott exempel"
-- marks on passages and projects.

-- Derived like goal links: written with the passages (and again on re-analysis), gone with them.
CREATE TABLE passage_section_types (
    passage_id TEXT PRIMARY KEY REFERENCES passages(id) ON DELETE CASCADE,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    section_type TEXT NOT NULL
);
CREATE INDEX passage_section_types_by_document ON passage_section_types(document_id, section_type);

-- A person's mark, keyed by the stable passage id or the project's entity id, so that it survives
-- re-ingest (not tied to the rows a re-ingest replaces). Who may see it is decided when it is read: a
-- passage's mark as its document, a project's through the documents the project is the subject of.
CREATE TABLE good_examples (
    kind TEXT NOT NULL CHECK (kind IN ('passage', 'project')),
    target_id TEXT NOT NULL,
    motivation TEXT NOT NULL,
    marked_by TEXT NOT NULL,
    marked_at TEXT NOT NULL,
    PRIMARY KEY (kind, target_id)
);
CREATE INDEX good_examples_by_time ON good_examples(marked_at DESC);
