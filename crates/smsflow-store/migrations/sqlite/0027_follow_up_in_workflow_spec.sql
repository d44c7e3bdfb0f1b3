-- A workflow's auto follow-up becomes part of its spec (a JSON column beside the others), so it is
-- kept in versions and drafts: a workflow deleted by a publish and brought back by a rollback keeps
-- its follow-up, where the old table's row went with the cascade.
ALTER TABLE workflows ADD COLUMN follow_up TEXT;

UPDATE workflows SET follow_up = (
    SELECT json_object('after_hours', f.after_hours, 'template', json(f.template))
    FROM workflow_follow_ups f WHERE f.workflow_id = workflows.id
);

-- Versions and the draft hold workflows as JSON, keyed by their id as text: the latest version (the
-- live set) and the draft's copies of these workflows get the follow-up too, so publishing the
-- draft or rolling back to the latest version keeps it.
CREATE TEMP TABLE moved_follow_ups AS
SELECT lower(substr(hex(id), 1, 8) || '-' || substr(hex(id), 9, 4) || '-' || substr(hex(id), 13, 4)
             || '-' || substr(hex(id), 17, 4) || '-' || substr(hex(id), 21, 12)) AS id,
       follow_up
FROM workflows WHERE follow_up IS NOT NULL;

UPDATE workflow_versions SET workflows = (
    SELECT json_group_array(CASE WHEN m.follow_up IS NULL THEN json(e.value)
                                 ELSE json_set(e.value, '$.follow_up', json(m.follow_up)) END)
    FROM json_each(workflow_versions.workflows) e
    LEFT JOIN moved_follow_ups m ON m.id = json_extract(e.value, '$.id')
)
WHERE number = (SELECT MAX(number) FROM workflow_versions)
    AND EXISTS (SELECT 1 FROM moved_follow_ups);

UPDATE workflow_drafts SET workflows = (
    SELECT json_group_array(CASE WHEN m.follow_up IS NULL THEN json(e.value)
                                 ELSE json_set(e.value, '$.follow_up', json(m.follow_up)) END)
    FROM json_each(workflow_drafts.workflows) e
    LEFT JOIN moved_follow_ups m ON m.id = json_extract(e.value, '$.id')
)
WHERE EXISTS (SELECT 1 FROM moved_follow_ups);

DROP TABLE moved_follow_ups;
DROP TABLE workflow_follow_ups;
