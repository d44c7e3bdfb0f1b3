-- Agents: who answers. Exactly one is the default SMS agent; one is created here so there always is.
CREATE TABLE agents (
    id           UUID PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    persona      TEXT NOT NULL,
    backend      TEXT NOT NULL,
    model        TEXT,
    max_segments BIGINT NOT NULL,
    language     TEXT,
    is_default   BOOLEAN NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX agents_one_default ON agents (is_default) WHERE is_default;
INSERT INTO agents (id, name, persona, backend, model, max_segments, language, is_default, created_at, updated_at)
VALUES ('01000000-0000-7000-8000-000000000001', 'SMS agent', 'A friendly, concise assistant that answers by SMS.', 'builtin', NULL, 3, NULL, TRUE,
        '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');

-- Routing rules: tried in ascending position; the first whose conditions hold names the agent.
CREATE TABLE routing_rules (
    id         UUID PRIMARY KEY,
    position   BIGINT NOT NULL,
    agent_id   UUID NOT NULL REFERENCES agents (id),
    conditions JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
