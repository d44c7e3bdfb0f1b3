-- Agents: who answers. Exactly one is the default SMS agent; one is created here so there always is.
CREATE TABLE agents (
    id           BLOB PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL UNIQUE,
    persona      TEXT NOT NULL,
    backend      TEXT NOT NULL,
    model        TEXT,
    max_segments INTEGER NOT NULL,
    language     TEXT,
    is_default   BOOLEAN NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX agents_one_default ON agents (is_default) WHERE is_default;
INSERT INTO agents (id, name, persona, backend, model, max_segments, language, is_default, created_at, updated_at)
VALUES (X'01000000000070008000000000000001', 'SMS agent', 'A friendly, concise assistant that answers by SMS.', 'builtin', NULL, 3, NULL, TRUE,
        '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');

-- Routing rules: tried in ascending position; the first whose conditions hold names the agent.
CREATE TABLE routing_rules (
    id         BLOB PRIMARY KEY NOT NULL,
    position   INTEGER NOT NULL,
    agent_id   BLOB NOT NULL REFERENCES agents (id),
    conditions TEXT NOT NULL,
    created_at TEXT NOT NULL
);
