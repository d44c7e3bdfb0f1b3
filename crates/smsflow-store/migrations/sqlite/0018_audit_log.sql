-- Who changed what, and when: every change to workflows, agents, routing rules, admins and API
-- keys, written in the transaction that makes the change. `before` and `after` hold the changed
-- thing as JSON (never a secret or a password hash); NULL for "did not exist".
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    summary    TEXT NOT NULL,
    before     TEXT,
    after      TEXT
);
CREATE INDEX audit_log_subject ON audit_log (subject, id);
