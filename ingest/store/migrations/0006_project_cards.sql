-- 0004: project cards. What each document says about a project (owner, partners, period, financing,
-- target groups, results), one row per fact with its evidence passage; the card is merged from the facts
-- of the documents a reader may see, at read time (ingest/store/project_cards.py). Editors' corrections
-- are kept per project, apart from the facts, so that re-ingest and re-analysis never undo them.

CREATE TABLE project_facts (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    entity_id TEXT NOT NULL,              -- the project, e.g. "project:digi-60-plus"
    field TEXT NOT NULL CHECK (field IN ('about', 'owner', 'partner', 'period', 'financing', 'target_group', 'result')),
    value TEXT NOT NULL DEFAULT '{}',     -- JSON object, by field (see ingest/enrich/project_fields.py)
    passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
    strength INTEGER NOT NULL DEFAULT 1,  -- 3 a label ("Projektägare: X") … 0 implied by the document
    ord INTEGER NOT NULL DEFAULT 0        -- sentence number in the document: later facts win ties
);
CREATE INDEX project_facts_by_entity ON project_facts(entity_id, field);
CREATE INDEX project_facts_by_document ON project_facts(document_id);

CREATE TABLE project_card_corrections (
    entity_id TEXT NOT NULL,
    field TEXT NOT NULL CHECK (field IN ('owner', 'partners', 'period', 'status', 'financing', 'target_groups',
                                         'results')),
    value TEXT NOT NULL,                  -- JSON: the editor's value for the whole field (null = empty)
    -- 'internal' when documents only signed-in users see gave that field when it was corrected: the
    -- correction may carry what they say, so anonymous readers keep the public value
    visibility TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'internal')),
    editor TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (entity_id, field)
);
