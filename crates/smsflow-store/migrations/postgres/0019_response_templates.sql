-- A workflow's response template per language ({"en": "...", "es": "..."}), NULL when one text
-- serves every language; response_template keeps that one text, or the English (else first) one.
ALTER TABLE workflows ADD COLUMN response_templates JSONB;
