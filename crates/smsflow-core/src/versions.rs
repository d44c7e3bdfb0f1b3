//! What changed between two sets of workflows, in words people read (fields and steps, not JSON):
//! the diff of a version's history entry, of `workflows plan`, and of a draft against the live set.

use serde::Serialize;
use std::collections::HashMap;
use std::hash::Hash;
use utoipa::ToSchema;

use crate::auto_follow_up::AutoFollowUp;
use crate::fields::{DEFAULT_REASKS, OnInvalid};
use crate::localized::LocalizedText;
use crate::workflow::{Sensitivity, Step, WorkflowSpec};

/// Whether a workflow appeared, disappeared or changed between the two sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Created,
    Changed,
    Deleted,
}

/// One field (or list item, or step) that differs; `before` is absent for an addition, `after`
/// for a removal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldChange {
    /// `priority`, `keywords`, `steps[2]`, ...
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One workflow's difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct WorkflowDiff {
    /// The workflow's name (the new one when it was renamed).
    pub workflow: String,
    pub kind: ChangeKind,
    /// For a change, every field that differs; for a creation, the new workflow's outline.
    pub fields: Vec<FieldChange>,
}

/// The difference between two sets of workflows; empty when they are the same.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct SetDiff {
    pub workflows: Vec<WorkflowDiff>,
}

impl SetDiff {
    /// Compares workflows by key (an id, or a lower-cased name for files): a key only in `after`
    /// is created, one only in `before` deleted, one in both with another spec changed. Created
    /// and changed workflows come in `after`'s order, then the deleted ones.
    pub fn between<K: Eq + Hash>(
        before: &[(K, &WorkflowSpec)],
        after: &[(K, &WorkflowSpec)],
    ) -> SetDiff {
        let old: HashMap<&K, &WorkflowSpec> = before.iter().map(|(k, spec)| (k, *spec)).collect();
        let new: HashMap<&K, &WorkflowSpec> = after.iter().map(|(k, spec)| (k, *spec)).collect();
        let mut workflows = Vec::new();
        for (key, spec) in after {
            match old.get(key) {
                None => workflows.push(WorkflowDiff {
                    workflow: spec.name.to_string(),
                    kind: ChangeKind::Created,
                    fields: fields_between(&WorkflowSpecOutline::empty(), spec),
                }),
                Some(previous) if previous != spec => workflows.push(WorkflowDiff {
                    workflow: spec.name.to_string(),
                    kind: ChangeKind::Changed,
                    fields: fields_between(&WorkflowSpecOutline::of(previous), spec),
                }),
                Some(_) => {}
            }
        }
        for (key, spec) in before {
            if !new.contains_key(key) {
                workflows.push(WorkflowDiff {
                    workflow: spec.name.to_string(),
                    kind: ChangeKind::Deleted,
                    fields: Vec::new(),
                });
            }
        }
        SetDiff { workflows }
    }

    pub fn is_empty(&self) -> bool {
        self.workflows.is_empty()
    }

    /// How many workflows are created, changed and deleted.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |kind| self.workflows.iter().filter(|w| w.kind == kind).count();
        (
            count(ChangeKind::Created),
            count(ChangeKind::Changed),
            count(ChangeKind::Deleted),
        )
    }
}

/// `+ name` / `~ name` / `- name`, then one indented line per field.
impl std::fmt::Display for SetDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for workflow in &self.workflows {
            let (mark, what) = match workflow.kind {
                ChangeKind::Created => ('+', "create"),
                ChangeKind::Changed => ('~', "change"),
                ChangeKind::Deleted => ('-', "delete"),
            };
            writeln!(f, "{mark} {what} {:?}", workflow.workflow)?;
            for field in &workflow.fields {
                match (&field.before, &field.after) {
                    (Some(before), Some(after)) => {
                        writeln!(f, "    {}: {before} -> {after}", field.field)?
                    }
                    (None, Some(after)) => writeln!(f, "    {}: + {after}", field.field)?,
                    (Some(before), None) => writeln!(f, "    {}: - {before}", field.field)?,
                    (None, None) => {}
                }
            }
        }
        Ok(())
    }
}

/// The fields of a spec as readable text, so that a creation can be shown as a change from
/// nothing.
struct WorkflowSpecOutline {
    scalars: Vec<(&'static str, Option<String>)>,
    keywords: Vec<String>,
    examples: Vec<String>,
    disabled_keywords: Vec<String>,
    disabled_examples: Vec<String>,
    steps: Vec<String>,
}

impl WorkflowSpecOutline {
    fn empty() -> Self {
        WorkflowSpecOutline {
            scalars: SCALARS.iter().map(|name| (*name, None)).collect(),
            keywords: Vec::new(),
            examples: Vec::new(),
            disabled_keywords: Vec::new(),
            disabled_examples: Vec::new(),
            steps: Vec::new(),
        }
    }

    fn of(spec: &WorkflowSpec) -> Self {
        let scalars = vec![
            ("name", Some(quoted(spec.name.as_str()))),
            ("goal", Some(spec.goal.as_str().to_string())),
            ("active", Some(spec.active.to_string())),
            ("priority", Some(spec.priority.to_string())),
            ("agent_id", spec.agent_id.map(|id| id.to_string())),
            // Shown when not the default, like the optional fields.
            (
                "sensitivity",
                Some(spec.sensitivity)
                    .filter(|s| *s != Sensitivity::default())
                    .map(|s| s.as_str().to_string()),
            ),
            (
                "context",
                Some(&spec.context)
                    .filter(|c| !c.is_empty())
                    .map(|c| quoted(c)),
            ),
            (
                "response_template",
                spec.response_template.as_ref().map(quoted_text),
            ),
            ("follow_up", spec.follow_up.as_ref().map(describe_follow_up)),
        ];
        WorkflowSpecOutline {
            scalars,
            keywords: spec.keywords.iter().map(|k| quoted(k)).collect(),
            examples: spec.examples.iter().map(|e| quoted(e)).collect(),
            disabled_keywords: spec.disabled_keywords.iter().map(|k| quoted(k)).collect(),
            disabled_examples: spec.disabled_examples.iter().map(|e| quoted(e)).collect(),
            steps: spec.steps.iter().map(describe_step).collect(),
        }
    }
}

const SCALARS: [&str; 9] = [
    "name",
    "goal",
    "active",
    "priority",
    "agent_id",
    "sensitivity",
    "context",
    "response_template",
    "follow_up",
];

fn fields_between(before: &WorkflowSpecOutline, after: &WorkflowSpec) -> Vec<FieldChange> {
    let after = WorkflowSpecOutline::of(after);
    let mut changes = Vec::new();
    for ((field, old), (_, new)) in before.scalars.iter().zip(&after.scalars) {
        if old != new {
            changes.push(FieldChange {
                field: field.to_string(),
                before: old.clone(),
                after: new.clone(),
            });
        }
    }
    list_changes(&mut changes, "keywords", &before.keywords, &after.keywords);
    list_changes(&mut changes, "examples", &before.examples, &after.examples);
    for (field, before, after) in [
        (
            "disabled_keywords",
            &before.disabled_keywords,
            &after.disabled_keywords,
        ),
        (
            "disabled_examples",
            &before.disabled_examples,
            &after.disabled_examples,
        ),
    ] {
        list_changes(&mut changes, field, before, after);
    }
    for i in 0..before.steps.len().max(after.steps.len()) {
        let (old, new) = (before.steps.get(i), after.steps.get(i));
        if old != new {
            changes.push(FieldChange {
                field: format!("steps[{i}]"),
                before: old.cloned(),
                after: new.cloned(),
            });
        }
    }
    changes
}

/// Keywords and examples are sets to the people who write them: say what was added and removed.
fn list_changes(changes: &mut Vec<FieldChange>, field: &str, before: &[String], after: &[String]) {
    for removed in before.iter().filter(|item| !after.contains(item)) {
        changes.push(FieldChange {
            field: field.to_string(),
            before: Some(removed.clone()),
            after: None,
        });
    }
    for added in after.iter().filter(|item| !before.contains(item)) {
        changes.push(FieldChange {
            field: field.to_string(),
            before: None,
            after: Some(added.clone()),
        });
    }
}

/// A step in one line, e.g. `extract_information name, email`.
pub fn describe_step(step: &Step) -> String {
    match step {
        Step::ExtractInformation {
            fields,
            reasks,
            on_invalid,
        } => {
            let names: Vec<&str> = fields.iter().map(|f| f.as_str()).collect();
            let mut line = format!("extract_information {}", names.join(", "));
            // Only what differs from the defaults, as the YAML form shows it.
            if *reasks != DEFAULT_REASKS {
                line.push_str(&format!(" reasks {reasks}"));
            }
            if *on_invalid != OnInvalid::MoveOn {
                line.push_str(&format!(" on_invalid {}", on_invalid.as_str()));
            }
            line
        }
        Step::SendResponse { template } => format!("send_response {}", quoted_text(template)),
        Step::CreateSupportTicket { priority } => {
            format!("create_support_ticket {}", priority.as_str())
        }
        Step::BookAppointment { link } => format!("book_appointment {link}"),
        Step::SaveToDatabase { table } => format!("save_to_database {table}"),
    }
}

/// The follow-up in one line, e.g. `after 4 hours, "Still there?"`.
fn describe_follow_up(follow_up: &AutoFollowUp) -> String {
    let hours = match follow_up.after_hours {
        1 => "1 hour".to_string(),
        hours => format!("{hours} hours"),
    };
    format!("after {hours}, {}", quoted_text(&follow_up.template))
}

fn quoted(text: &str) -> String {
    format!("{text:?}")
}

/// A reply text as one line: quoted, or each language's words after its code.
fn quoted_text(text: &LocalizedText) -> String {
    match text {
        LocalizedText::Plain(text) => quoted(text),
        LocalizedText::PerLanguage(texts) => texts
            .iter()
            .map(|(language, text)| format!("{}: {}", language.code(), quoted(text)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::WorkflowDraft;

    fn spec(json: serde_json::Value) -> WorkflowSpec {
        serde_json::from_value::<WorkflowDraft>(json)
            .unwrap()
            .validate()
            .unwrap()
    }

    #[test]
    fn a_change_lists_fields_list_items_and_steps_in_words() {
        let before = spec(serde_json::json!({
            "name": "Leads", "goal": "lead_capture", "priority": 10, "keywords": ["quote", "estimate"],
            "steps": [{"type": "extract_information", "fields": "name,email"},
                      {"type": "send_response", "template": "Thanks"}]
        }));
        let after = spec(serde_json::json!({
            "name": "Leads", "goal": "lead_capture", "priority": 20, "keywords": ["quote", "price"],
            "steps": [{"type": "extract_information", "fields": "name,email"},
                      {"type": "send_response", "template": "Thanks {{name}}"},
                      {"type": "create_support_ticket", "priority": "high"}]
        }));
        let diff = SetDiff::between(&[(1, &before)], &[(1, &after)]);
        assert_eq!(
            diff.to_string(),
            "~ change \"Leads\"\n    priority: 10 -> 20\n    keywords: - \"estimate\"\n    keywords: + \"price\"\n    \
             steps[1]: send_response \"Thanks\" -> send_response \"Thanks {{name}}\"\n    \
             steps[2]: + create_support_ticket high\n"
        );
        assert_eq!(diff.counts(), (0, 1, 0));
    }

    #[test]
    fn matching_settings_are_listed_when_they_change() {
        let before = spec(serde_json::json!({"name": "Book", "goal": "appointment_booking"}));
        let after = spec(serde_json::json!({
            "name": "Book", "goal": "appointment_booking", "sensitivity": "strict",
            "disabled_keywords": ["book"], "disabled_examples": ["can I book an appointment"]
        }));
        assert_eq!(
            SetDiff::between(&[(1, &before)], &[(1, &after)]).to_string(),
            "~ change \"Book\"\n    sensitivity: + strict\n    disabled_keywords: + \"book\"\n    \
             disabled_examples: + \"can I book an appointment\"\n"
        );
    }

    #[test]
    fn a_follow_up_turned_on_changed_or_off_is_listed_in_words() {
        let off = spec(serde_json::json!({"name": "Leads", "goal": "lead_capture"}));
        let on = spec(serde_json::json!({
            "name": "Leads", "goal": "lead_capture",
            "follow_up": {"after_hours": 4, "template": "Still there?"}
        }));
        let changed = spec(serde_json::json!({
            "name": "Leads", "goal": "lead_capture",
            "follow_up": {"after_hours": 1, "template": {"en": "Still there?", "es": "¿Sigue ahí?"}}
        }));
        let diff = |before: &WorkflowSpec, after: &WorkflowSpec| {
            SetDiff::between(&[(1, before)], &[(1, after)]).to_string()
        };
        assert_eq!(
            diff(&off, &on),
            "~ change \"Leads\"\n    follow_up: + after 4 hours, \"Still there?\"\n"
        );
        assert_eq!(
            diff(&on, &changed),
            "~ change \"Leads\"\n    follow_up: after 4 hours, \"Still there?\" -> after 1 hour, en: \"Still there?\", es: \"¿Sigue ahí?\"\n"
        );
        assert_eq!(
            diff(&on, &off),
            "~ change \"Leads\"\n    follow_up: - after 4 hours, \"Still there?\"\n"
        );
    }

    #[test]
    fn creations_and_deletions_are_keyed_and_equal_sets_have_no_diff() {
        let a = spec(serde_json::json!({"name": "A", "goal": "general_inquiry"}));
        let b = spec(serde_json::json!({"name": "B", "goal": "help_desk_support", "active": true}));
        let diff = SetDiff::between(&[("a", &a)], &[("b", &b)]);
        assert_eq!(diff.counts(), (1, 0, 1));
        assert_eq!(
            diff.to_string(),
            "+ create \"B\"\n    name: + \"B\"\n    goal: + help_desk_support\n    active: + true\n    priority: + 0\n- delete \"A\"\n"
        );
        assert!(SetDiff::between(&[("a", &a)], &[("a", &a.clone())]).is_empty());
    }
}
