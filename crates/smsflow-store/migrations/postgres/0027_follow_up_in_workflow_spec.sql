-- A workflow's auto follow-up becomes part of its spec (a JSON column beside the others), so it is
-- kept in versions and drafts: a workflow deleted by a publish and brought back by a rollback keeps
-- its follow-up, where the old table's row went with the cascade.
ALTER TABLE workflows ADD COLUMN follow_up JSONB;

UPDATE workflows w SET follow_up = jsonb_build_object('after_hours', f.after_hours, 'template', f.template)
FROM workflow_follow_ups f WHERE f.workflow_id = w.id;

-- Versions and the draft hold workflows as JSON, keyed by their id as text: the latest version (the
-- live set) and the draft's copies of these workflows get the follow-up too, so publishing the
-- draft or rolling back to the latest version keeps it.
UPDATE workflow_versions v SET workflows = (
    SELECT COALESCE(jsonb_agg(CASE WHEN w.follow_up IS NULL THEN e.value
                                   ELSE e.value || jsonb_build_object('follow_up', w.follow_up) END
                              ORDER BY e.position), '[]'::jsonb)
    FROM jsonb_array_elements(v.workflows) WITH ORDINALITY AS e (value, position)
    LEFT JOIN workflows w ON w.id::text = e.value ->> 'id'
)
WHERE v.number = (SELECT MAX(number) FROM workflow_versions)
    AND EXISTS (SELECT 1 FROM workflow_follow_ups);

UPDATE workflow_drafts d SET workflows = (
    SELECT COALESCE(jsonb_agg(CASE WHEN w.follow_up IS NULL THEN e.value
                                   ELSE e.value || jsonb_build_object('follow_up', w.follow_up) END
                              ORDER BY e.position), '[]'::jsonb)
    FROM jsonb_array_elements(d.workflows) WITH ORDINALITY AS e (value, position)
    LEFT JOIN workflows w ON w.id::text = e.value ->> 'id'
)
WHERE EXISTS (SELECT 1 FROM workflow_follow_ups);

DROP TABLE workflow_follow_ups;
