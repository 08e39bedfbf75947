-- 0008: the goal linker's structured evidence is kept with each link, and the linker can be retrained
-- from people's verdicts (`kunskapsbank goals retrain`, the admin page's button).

-- {"evidence_sentences": [{"text", "marks": [[start, end], ...]}], "resembles": "…"}; older rows keep '{}'
-- and their word list in `evidence`.
ALTER TABLE goal_links ADD COLUMN evidence_detail TEXT NOT NULL DEFAULT '{}';

-- The verdict rule of 0002, unchanged, now also carrying the evidence detail.
DROP VIEW reviewed_links;
CREATE VIEW reviewed_links AS
    SELECT l.passage_id, l.document_id, l.goal_id,
           CASE WHEN r.verdict = 'confirmed' THEN 1.0 ELSE l.score END AS score,
           CASE WHEN r.verdict = 'confirmed' THEN 'confirmed' ELSE l.kind END AS kind,
           l.evidence, r.reviewer, l.evidence_detail
    FROM goal_links l
    LEFT JOIN goal_reviews r ON r.passage_id = l.passage_id AND r.goal_id = l.goal_id
    WHERE r.verdict IS NULL OR r.verdict = 'confirmed'
    UNION ALL
    SELECT r.passage_id, p.document_id, r.goal_id, 1.0, 'confirmed', '[]', r.reviewer, '{}'
    FROM goal_reviews r JOIN passages p ON p.id = r.passage_id
    WHERE r.verdict = 'confirmed'
      AND NOT EXISTS (SELECT 1 FROM goal_links l WHERE l.passage_id = r.passage_id AND l.goal_id = r.goal_id);

-- One row per retrain. The model in use is the one of the latest run that got as far as `trained_at`; its
-- verdicts are kept in goal_model_verdicts (ids only: the texts stay in their passages, and a deleted
-- document takes its verdicts' texts with it). At most one run is running at a time, in any process.
CREATE TABLE goal_model_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    requested_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    trained_at TEXT,
    finished_at TEXT,
    worker TEXT NOT NULL DEFAULT '',  -- "host:pid" of the process doing it: a dead one's run is given up
    verdicts INTEGER NOT NULL DEFAULT 0,
    documents_total INTEGER NOT NULL DEFAULT 0,
    documents_done INTEGER NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX goal_model_runs_one_running ON goal_model_runs(status) WHERE status = 'running';

CREATE TABLE goal_model_verdicts (
    run_id INTEGER NOT NULL REFERENCES goal_model_runs(id) ON DELETE CASCADE,
    passage_id TEXT NOT NULL,
    goal_id TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('confirmed', 'rejected')),
    PRIMARY KEY (run_id, passage_id, goal_id)
);
