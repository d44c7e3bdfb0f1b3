//! The workflow model: the draft people write (JSON or YAML), its validation, and the valid spec.
//!
//! Parse, don't validate: a [`WorkflowSpec`] can only be built by [`WorkflowDraft::validate`], so code
//! holding one never checks it again.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auto_follow_up::AutoFollowUp;
use crate::fields::{DEFAULT_REASKS, FieldItem, FieldSpec, MAX_REASKS, OnInvalid};
use crate::goal::Goal;
use crate::localized::{Checked, LocalizedText, TextDraft};
use crate::validation::Problems;

pub const NAME_MAX_CHARS: usize = 100;
pub const CONTEXT_MAX_CHARS: usize = 8_000;
pub const TEMPLATE_MAX_CHARS: usize = 1_600;
pub const KEYWORD_MAX_CHARS: usize = 60;
pub const KEYWORDS_MAX: usize = 200;
pub const EXAMPLE_MAX_CHARS: usize = 320;
pub const EXAMPLES_MAX: usize = 200;
pub const STEPS_MAX: usize = 25;
pub const FIELDS_MAX: usize = 50;
pub const PRIORITY_RANGE: std::ops::RangeInclusive<i64> = -1_000_000..=1_000_000;

/// A workflow as people write it: every field optional except where serde needs a type, so that
/// validation can report every problem at once instead of stopping at the first missing field.
/// Read-only fields (`id`, `created_at`, `updated_at`) are accepted so a fetched workflow can be sent
/// back as it is; `version` is the optimistic-concurrency check of an update.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowDraft {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub name: Option<String>,
    /// One of `general_inquiry`, `lead_capture`, `help_desk_support`, `sales_inquiry`,
    /// `appointment_booking`.
    #[serde(default)]
    pub goal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// The same words in every language, or `{en: ..., es: ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_template: Option<TextDraft>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<Uuid>,
    /// The assigned agent by name (YAML files); resolved to `agent_id` once agents exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<String>>,
    /// Example messages this workflow should handle, matched by meaning when the embedding model is
    /// installed; they extend the goal's built-in examples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub examples: Option<Vec<String>>,
    /// How sure matching by meaning must be: `strict`, `balanced` (the default) or `broad`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<String>,
    /// Built-in keywords of the goal this workflow does not use (`GET /api/v1/goals` lists them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_keywords: Option<Vec<String>>,
    /// Built-in examples of the goal this workflow does not learn from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_examples: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<StepDraft>>,
    /// One nudge to a texter the run has waited on for `after_hours` (off when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<AutoFollowUp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub created_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<OffsetDateTime>,
}

/// One step as written; checked by [`WorkflowDraft::validate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepDraft {
    ExtractInformation {
        fields: FieldList,
        /// How many times an invalid value is asked for again (default 2).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reasks: Option<u8>,
        /// `move_on` (default) or `hand_off` once the re-asks are used up.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_invalid: Option<String>,
    },
    SendResponse {
        /// The same words in every language, or `{en: ..., es: ...}`.
        template: TextDraft,
    },
    CreateSupportTicket {
        priority: String,
    },
    BookAppointment {
        link: String,
    },
    SaveToDatabase {
        table: String,
    },
}

/// Fields to extract: a list, or the comma-separated string the product page shows (see
/// [`crate::fields`] for types).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum FieldList {
    Text(String),
    List(Vec<FieldItem>),
}

impl FieldList {
    fn items(&self) -> Vec<FieldItem> {
        match self {
            FieldList::Text(text) => text
                .split(',')
                .filter(|item| !item.trim().is_empty())
                .map(|item| FieldItem::Name(item.to_string()))
                .collect(),
            FieldList::List(list) => list
                .iter()
                .filter(|item| !matches!(item, FieldItem::Name(name) if name.trim().is_empty()))
                .cloned()
                .collect(),
        }
    }

    /// The fields in the comma-separated syntax, as the editor shows them.
    pub fn to_text(&self) -> String {
        match self {
            FieldList::Text(text) => text.clone(),
            FieldList::List(items) => items
                .iter()
                .map(|item| match item {
                    FieldItem::Name(name) => name.trim().to_string(),
                    FieldItem::Typed(draft) => {
                        let mut problems = Problems::default();
                        FieldItem::Typed(draft.clone())
                            .validate("", &mut problems)
                            .map_or_else(|| draft.name.clone(), |spec| spec.to_text())
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// A valid workflow definition, without the storage metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkflowSpec {
    pub name: WorkflowName,
    pub goal: Goal,
    pub context: String,
    pub response_template: Option<LocalizedText>,
    pub priority: i64,
    pub agent_id: Option<Uuid>,
    pub active: bool,
    pub keywords: Vec<String>,
    /// Example messages, matched by meaning (see [`crate::semantic`]).
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub sensitivity: Sensitivity,
    /// Built-in keywords of the goal this workflow does not use, as written in the goal's list.
    #[serde(default)]
    pub disabled_keywords: Vec<String>,
    /// Built-in examples of the goal that are left out of its training, as written in the list.
    #[serde(default)]
    pub disabled_examples: Vec<String>,
    pub steps: Vec<Step>,
    /// The auto follow-up, if it is on (absent from workflows stored before it was part of the spec).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<AutoFollowUp>,
}

/// How sure matching by meaning must be before this workflow matches a message without a keyword:
/// each maps to a calibrated probability cut-off of the goal classifier (see
/// [`crate::semantic::SemanticConfig`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    /// Only messages clearly about the goal.
    Strict,
    #[default]
    Balanced,
    /// Also messages that are probably about the goal.
    Broad,
}

impl Sensitivity {
    pub const ALL: [Sensitivity; 3] = [Self::Strict, Self::Balanced, Self::Broad];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Strict => "strict",
            Self::Balanced => "balanced",
            Self::Broad => "broad",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// A stored workflow: its spec plus identity, version and timestamps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Workflow {
    pub id: Uuid,
    #[serde(flatten)]
    pub spec: WorkflowSpec,
    /// Increases by one on every change; send it back (or as `If-Match`) to update.
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// A validated step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Step {
    ExtractInformation {
        #[schema(value_type = Vec<FieldItem>)]
        fields: Vec<FieldSpec>,
        #[serde(default = "default_reasks", skip_serializing_if = "is_default_reasks")]
        reasks: u8,
        #[serde(default, skip_serializing_if = "is_move_on")]
        on_invalid: OnInvalid,
    },
    SendResponse {
        template: LocalizedText,
    },
    CreateSupportTicket {
        priority: TicketPriority,
    },
    BookAppointment {
        link: BookingLink,
    },
    SaveToDatabase {
        table: TableName,
    },
}

fn default_reasks() -> u8 {
    DEFAULT_REASKS
}

fn is_default_reasks(reasks: &u8) -> bool {
    *reasks == DEFAULT_REASKS
}

fn is_move_on(on_invalid: &OnInvalid) -> bool {
    *on_invalid == OnInvalid::MoveOn
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketPriority {
    Low,
    Normal,
    High,
    Urgent,
}

impl TicketPriority {
    const ALL: [TicketPriority; 4] = [Self::Low, Self::Normal, Self::High, Self::Urgent];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|p| p.as_str() == value)
    }
}

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(try_from = "String", into = "String")]
        #[schema(value_type = String)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                $name::parse(&value)
            }
        }
    };
}

string_newtype!(
    /// 1 to 100 characters, trimmed, no control characters.
    WorkflowName
);
string_newtype!(
    /// A field to extract: `[a-z][a-z0-9_]{0,62}`, normalised from what people type ("Company Name").
    FieldName
);
string_newtype!(
    /// A table or collection name, `[a-z][a-z0-9_]{0,62}`: safe to use as an SQL identifier.
    TableName
);
string_newtype!(
    /// An absolute http(s) URL.
    BookingLink
);

impl WorkflowName {
    pub fn parse(value: &str) -> Result<Self, String> {
        let trimmed = value.trim();
        let chars = trimmed.chars().count();
        if chars == 0 {
            return Err("must not be empty".into());
        }
        if chars > NAME_MAX_CHARS {
            return Err(format!(
                "must be at most {NAME_MAX_CHARS} characters (it has {chars})"
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err("must not contain control characters such as newlines or tabs".into());
        }
        Ok(Self(trimmed.to_string()))
    }
}

impl FieldName {
    /// Trims, lower-cases, drops accents ("nombre_dueño" -> `nombre_dueno`: a Spanish form names its
    /// fields in Spanish) and turns spaces and hyphens into underscores before checking the form.
    pub fn parse(value: &str) -> Result<Self, String> {
        let mut normalised = String::with_capacity(value.len());
        for c in value.trim().chars() {
            decompose_canonical(c, |part| match part {
                ' ' | '-' | '.' => normalised.push('_'),
                part if is_combining_mark(part) => {}
                part => normalised.extend(part.to_lowercase()),
            });
        }
        if is_identifier(&normalised) {
            Ok(Self(normalised))
        } else {
            Err(format!(
                "{value:?} is not a field name: use letters (accents are dropped), digits and underscores, starting with a letter (at most 63)"
            ))
        }
    }
}

impl TableName {
    /// Refuses anything but an identifier, offering the one it would be (`"Appointment
    /// Requests!"` -> `appointment_requests`): a table name is not changed behind one's back.
    pub fn parse(value: &str) -> Result<Self, String> {
        if is_identifier(value) {
            return Ok(Self(value.to_string()));
        }
        let offered = snake_case(value);
        let example = if is_identifier(&offered) {
            offered
        } else {
            "leads".to_string()
        };
        Err(format!(
            "{value:?} is not a table name: use lower-case letters, digits and underscores, starting with a letter (at most 63), e.g. \"{example}\""
        ))
    }
}

/// Lower-case words joined by underscores: "Appointment Requests!" -> "appointment_requests".
fn snake_case(value: &str) -> String {
    let words: Vec<String> = value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let mut joined = words.join("_");
    joined.truncate(63);
    joined.trim_end_matches('_').to_string()
}

impl BookingLink {
    pub fn parse(value: &str) -> Result<Self, String> {
        let trimmed = value.trim();
        match url::Url::parse(trimmed) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                Ok(Self(trimmed.to_string()))
            }
            _ => Err(format!(
                "must be an absolute http(s) URL such as https://calendly.com/acme/intro (got {trimmed:?})"
            )),
        }
    }
}

/// `[a-z][a-z0-9_]{0,62}`
fn is_identifier(value: &str) -> bool {
    let bytes = value.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
}

impl WorkflowDraft {
    /// Checks every field and returns the valid spec, or every problem found, each with its path.
    pub fn validate(&self) -> Result<WorkflowSpec, Problems> {
        let mut problems = Problems::default();

        let name = match &self.name {
            None => problems.push("name", "is required: give the workflow a name"),
            Some(name) => problems.check("name", WorkflowName::parse(name)),
        };

        let goal = match self.goal.as_deref().map(str::trim) {
            None | Some("") => problems.push("goal", goal_hint("is required")),
            Some(value) => Goal::parse(value)
                .or_else(|| problems.push("goal", goal_hint(&format!("{value:?} is not a goal")))),
        };

        let context = self.context.clone().unwrap_or_default();
        let context_chars = context.chars().count();
        if context_chars > CONTEXT_MAX_CHARS {
            problems.push::<()>(
                "context",
                format!("must be at most {CONTEXT_MAX_CHARS} characters (it has {context_chars}); keep the essentials"),
            );
        }

        let response_template = self.response_template.as_ref().and_then(|template| {
            template
                .validate("response_template", &mut problems, check_template)
                .valid()
        });

        let priority = self.priority.unwrap_or(0);
        if !PRIORITY_RANGE.contains(&priority) {
            problems.push::<()>(
                "priority",
                format!(
                    "must be between {} and {}",
                    PRIORITY_RANGE.start(),
                    PRIORITY_RANGE.end()
                ),
            );
        }

        if let Some(agent) = &self.agent {
            problems.push::<()>(
                "agent",
                format!(
                    "agents by name ({agent:?}) are not available yet: use agent_id with the agent's id"
                ),
            );
        }

        let keywords = self.validate_keywords(&mut problems);
        let examples = self.validate_examples(&mut problems);
        let sensitivity = match self.sensitivity.as_deref().map(str::trim) {
            None | Some("") => Sensitivity::default(),
            Some(value) => Sensitivity::parse(value).unwrap_or_else(|| {
                problems.push::<()>(
                    "sensitivity",
                    format!("{value:?} is not a sensitivity: use strict, balanced or broad"),
                );
                Sensitivity::default()
            }),
        };
        let (disabled_keywords, disabled_examples) = match goal {
            Some(goal) => (
                builtin_subset(
                    &mut problems,
                    "disabled_keywords",
                    self.disabled_keywords.as_deref(),
                    goal.builtin_keywords(),
                    goal,
                ),
                builtin_subset(
                    &mut problems,
                    "disabled_examples",
                    self.disabled_examples.as_deref(),
                    goal.builtin_examples(),
                    goal,
                ),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let steps = self.validate_steps(&mut problems);
        let follow_up = self
            .follow_up
            .clone()
            .filter(|follow_up| match follow_up.problem() {
                Some((field, message)) => {
                    problems.push::<()>(format!("follow_up.{field}"), message);
                    false
                }
                None => true,
            });

        match (name, goal, problems.is_empty()) {
            (Some(name), Some(goal), true) => Ok(WorkflowSpec {
                name,
                goal,
                context,
                response_template,
                priority,
                agent_id: self.agent_id,
                active: self.active.unwrap_or(false),
                keywords,
                examples,
                sensitivity,
                disabled_keywords,
                disabled_examples,
                steps,
                follow_up,
            }),
            _ => Err(problems),
        }
    }

    fn validate_keywords(&self, problems: &mut Problems) -> Vec<String> {
        let mut keywords: Vec<String> = Vec::new();
        let given = self.keywords.as_deref().unwrap_or_default();
        if given.len() > KEYWORDS_MAX {
            problems.push::<()>(
                "keywords",
                format!(
                    "at most {KEYWORDS_MAX} keywords (there are {})",
                    given.len()
                ),
            );
        }
        for (i, keyword) in given.iter().enumerate() {
            let keyword = keyword.trim();
            let path = format!("keywords[{i}]");
            if crate::text::normalize(keyword).trim().is_empty() {
                problems.push::<()>(
                    &path,
                    "must contain at least one letter or digit; remove the empty keyword",
                );
            } else if keyword.chars().count() > KEYWORD_MAX_CHARS {
                problems.push::<()>(
                    &path,
                    format!("must be at most {KEYWORD_MAX_CHARS} characters; use a shorter phrase"),
                );
            } else if !keywords.iter().any(|k| k.eq_ignore_ascii_case(keyword)) {
                keywords.push(keyword.to_string());
            }
        }
        keywords
    }

    fn validate_examples(&self, problems: &mut Problems) -> Vec<String> {
        let mut examples: Vec<String> = Vec::new();
        let given = self.examples.as_deref().unwrap_or_default();
        if given.len() > EXAMPLES_MAX {
            problems.push::<()>(
                "examples",
                format!(
                    "at most {EXAMPLES_MAX} examples (there are {})",
                    given.len()
                ),
            );
        }
        for (i, example) in given.iter().enumerate() {
            let example = example.trim();
            let path = format!("examples[{i}]");
            if crate::text::normalize(example).trim().is_empty() {
                problems.push::<()>(
                    &path,
                    "must contain at least one letter or digit; remove the empty example",
                );
            } else if example.chars().count() > EXAMPLE_MAX_CHARS {
                problems.push::<()>(
                    &path,
                    format!(
                        "must be at most {EXAMPLE_MAX_CHARS} characters; write it like a short text message"
                    ),
                );
            } else if !examples.iter().any(|e| e.eq_ignore_ascii_case(example)) {
                examples.push(example.to_string());
            }
        }
        examples
    }

    fn validate_steps(&self, problems: &mut Problems) -> Vec<Step> {
        let drafts = self.steps.as_deref().unwrap_or_default();
        if drafts.len() > STEPS_MAX {
            problems.push::<()>(
                "steps",
                format!("at most {STEPS_MAX} steps (there are {})", drafts.len()),
            );
        }
        drafts
            .iter()
            .enumerate()
            .filter_map(|(i, draft)| draft.validate(&format!("steps[{i}]"), problems))
            .collect()
    }
}

impl StepDraft {
    fn validate(&self, path: &str, problems: &mut Problems) -> Option<Step> {
        match self {
            StepDraft::ExtractInformation {
                fields,
                reasks,
                on_invalid,
            } => {
                let fields_path = format!("{path}.fields");
                let items = fields.items();
                if items.is_empty() {
                    return problems.push(
                        &fields_path,
                        "list at least one field to extract, e.g. \"name,email,phone,company\"",
                    );
                }
                if items.len() > FIELDS_MAX {
                    return problems.push(
                        &fields_path,
                        format!(
                            "at most {FIELDS_MAX} fields per step (there are {}); split them over several steps",
                            items.len()
                        ),
                    );
                }
                let mut specs: Vec<FieldSpec> = Vec::with_capacity(items.len());
                let mut valid = true;
                for item in items {
                    match item.validate(&fields_path, problems) {
                        Some(spec) if specs.iter().any(|known| known.name == spec.name) => {
                            valid = false;
                            problems.push::<()>(
                                &fields_path,
                                format!(
                                    "{:?} is listed twice; list each field once",
                                    spec.as_str()
                                ),
                            );
                        }
                        Some(spec) => specs.push(spec),
                        None => valid = false,
                    }
                }
                let reasks = reasks.unwrap_or(DEFAULT_REASKS);
                if reasks > MAX_REASKS {
                    valid = false;
                    problems.push::<()>(
                        format!("{path}.reasks"),
                        format!("ask again at most {MAX_REASKS} times (it says {reasks})"),
                    );
                }
                let on_invalid = match on_invalid.as_deref() {
                    None => Some(OnInvalid::MoveOn),
                    Some(value) => OnInvalid::parse(value).or_else(|| {
                        problems.push(
                            format!("{path}.on_invalid"),
                            format!("{value:?} is not an option: use move_on or hand_off"),
                        )
                    }),
                };
                match on_invalid {
                    Some(on_invalid) if valid => Some(Step::ExtractInformation {
                        fields: specs,
                        reasks,
                        on_invalid,
                    }),
                    _ => None,
                }
            }
            StepDraft::SendResponse { template } => {
                let path = format!("{path}.template");
                match template.validate(&path, problems, check_template) {
                    Checked::Valid(template) => Some(Step::SendResponse { template }),
                    Checked::Empty => {
                        problems.push(path, "must not be empty: say how the agent should respond")
                    }
                    Checked::Invalid => None,
                }
            }
            StepDraft::CreateSupportTicket { priority } => match TicketPriority::parse(priority) {
                Some(priority) => Some(Step::CreateSupportTicket { priority }),
                None => problems.push(
                    format!("{path}.priority"),
                    format!(
                        "{priority:?} is not a ticket priority: use low, normal, high or urgent"
                    ),
                ),
            },
            StepDraft::BookAppointment { link } => problems
                .check(format!("{path}.link"), BookingLink::parse(link))
                .map(|link| Step::BookAppointment { link }),
            StepDraft::SaveToDatabase { table } => problems
                .check(format!("{path}.table"), TableName::parse(table.trim()))
                .map(|table| Step::SaveToDatabase { table }),
        }
    }
}

/// Returns whether the template is acceptable, recording a problem if not.
fn check_template(problems: &mut Problems, path: &str, template: &str) -> bool {
    let chars = template.chars().count();
    if chars > TEMPLATE_MAX_CHARS {
        problems.push::<()>(
            path,
            format!("must be at most {TEMPLATE_MAX_CHARS} characters (about 10 SMS segments; it has {chars})"),
        );
        return false;
    }
    if template.matches("{{").count() != template.matches("}}").count() {
        problems.push::<()>(
            path,
            "has an unclosed placeholder: write placeholders as {{name}}",
        );
        return false;
    }
    true
}

/// The entries of `given` as written in `builtin` (the goal's built-in keywords or examples),
/// matched ignoring case, accents and punctuation; an entry not in the list is a problem.
fn builtin_subset(
    problems: &mut Problems,
    field: &str,
    given: Option<&[String]>,
    builtin: &[&str],
    goal: Goal,
) -> Vec<String> {
    let mut chosen: Vec<String> = Vec::new();
    for (i, entry) in given.unwrap_or_default().iter().enumerate() {
        let wanted = crate::text::normalize(entry);
        match builtin
            .iter()
            .find(|b| crate::text::normalize(b).trim() == wanted.trim())
        {
            Some(found) if chosen.iter().any(|c| c == found) => {}
            Some(found) => chosen.push(found.to_string()),
            None => {
                problems.push::<()>(
                    format!("{field}[{i}]"),
                    format!(
                        "{entry:?} is not built into {}: only the goal's own list can be turned off (GET /api/v1/goals lists it)",
                        goal.label()
                    ),
                );
            }
        }
    }
    chosen
}

fn goal_hint(what: &str) -> String {
    let goals: Vec<&str> = Goal::ALL.iter().map(|goal| goal.as_str()).collect();
    format!("{what}: use one of {}", goals.join(", "))
}

impl From<&WorkflowSpec> for WorkflowDraft {
    fn from(spec: &WorkflowSpec) -> Self {
        WorkflowDraft {
            name: Some(spec.name.to_string()),
            goal: Some(spec.goal.as_str().to_string()),
            context: Some(spec.context.clone()).filter(|context| !context.is_empty()),
            response_template: spec.response_template.as_ref().map(TextDraft::from),
            priority: Some(spec.priority),
            agent_id: spec.agent_id,
            active: Some(spec.active),
            keywords: Some(spec.keywords.clone()).filter(|keywords| !keywords.is_empty()),
            examples: Some(spec.examples.clone()).filter(|examples| !examples.is_empty()),
            sensitivity: Some(spec.sensitivity)
                .filter(|s| *s != Sensitivity::default())
                .map(|s| s.as_str().to_string()),
            disabled_keywords: Some(spec.disabled_keywords.clone()).filter(|d| !d.is_empty()),
            disabled_examples: Some(spec.disabled_examples.clone()).filter(|d| !d.is_empty()),
            steps: Some(spec.steps.iter().map(StepDraft::from).collect())
                .filter(|steps: &Vec<StepDraft>| !steps.is_empty()),
            follow_up: spec.follow_up.clone(),
            ..WorkflowDraft::default()
        }
    }
}

impl From<&Step> for StepDraft {
    fn from(step: &Step) -> Self {
        match step {
            Step::ExtractInformation {
                fields,
                reasks,
                on_invalid,
            } => StepDraft::ExtractInformation {
                fields: FieldList::List(fields.iter().map(FieldItem::from).collect()),
                reasks: (*reasks != DEFAULT_REASKS).then_some(*reasks),
                on_invalid: (*on_invalid != OnInvalid::MoveOn)
                    .then(|| on_invalid.as_str().to_string()),
            },
            Step::SendResponse { template } => StepDraft::SendResponse {
                template: TextDraft::from(template),
            },
            Step::CreateSupportTicket { priority } => StepDraft::CreateSupportTicket {
                priority: priority.as_str().to_string(),
            },
            Step::BookAppointment { link } => StepDraft::BookAppointment {
                link: link.to_string(),
            },
            Step::SaveToDatabase { table } => StepDraft::SaveToDatabase {
                table: table.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn draft(json: serde_json::Value) -> WorkflowDraft {
        serde_json::from_value(json).expect("draft parses")
    }

    #[test]
    fn a_spanish_field_name_keeps_its_letters_without_accents() {
        for (typed, name) in [
            ("nombre_dueño", "nombre_dueno"),
            ("Tamaño cm", "tamano_cm"),
            ("Niños", "ninos"),
            ("pet-name", "pet_name"),
        ] {
            assert_eq!(FieldName::parse(typed).unwrap().as_str(), name, "{typed}");
        }
        let refused = FieldName::parse("¿edad?").unwrap_err();
        assert!(refused.contains("accents are dropped"), "{refused}");
    }

    #[test]
    fn a_refused_table_name_is_offered_as_an_identifier() {
        let refused = TableName::parse("Appointment Requests!").unwrap_err();
        assert!(
            refused.ends_with("e.g. \"appointment_requests\""),
            "{refused}"
        );
        assert_eq!(
            TableName::parse("appointment_requests").unwrap().as_str(),
            "appointment_requests"
        );
        // Nothing usable to offer: the generic example.
        assert!(
            TableName::parse("42")
                .unwrap_err()
                .ends_with("e.g. \"leads\"")
        );
    }

    proptest! {
        #[test]
        fn offered_table_names_are_accepted(value in "\\PC{0,80}") {
            let offered = snake_case(&value);
            if is_identifier(&offered) {
                prop_assert!(TableName::parse(&offered).is_ok());
            }
            prop_assert!(offered.len() <= 63);
        }
    }

    fn problems_of(json: serde_json::Value) -> Vec<String> {
        draft(json)
            .validate()
            .expect_err("draft is invalid")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_minimal_workflow_gets_the_page_defaults() {
        let spec = draft(serde_json::json!({"name": " Support ", "goal": "help_desk_support"}))
            .validate()
            .unwrap();
        assert_eq!(spec.name.as_str(), "Support");
        assert_eq!(spec.priority, 0);
        assert!(!spec.active, "workflows start inactive, as on the page");
        assert!(spec.steps.is_empty());
    }

    #[test]
    fn fields_are_accepted_as_a_comma_separated_string_or_a_list() {
        for fields in [
            serde_json::json!("name, Email,phone ,Company Name"),
            serde_json::json!(["name", "Email", "phone", "company-name"]),
        ] {
            let spec = draft(serde_json::json!({
                "name": "Leads", "goal": "lead_capture",
                "steps": [{"type": "extract_information", "fields": fields}]
            }))
            .validate()
            .unwrap();
            let Step::ExtractInformation { fields, .. } = &spec.steps[0] else {
                panic!("not an extract step")
            };
            let names: Vec<&str> = fields.iter().map(FieldSpec::as_str).collect();
            assert_eq!(names, ["name", "email", "phone", "company_name"]);
        }
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_path() {
        let problems = problems_of(serde_json::json!({
            "goal": "sales",
            "priority": 5_000_000,
            "keywords": ["ok", "  "],
            "steps": [
                {"type": "extract_information", "fields": "name,Name,e mail!"},
                {"type": "send_response", "template": ""},
                {"type": "book_appointment", "link": "calendly.com/acme"},
                {"type": "create_support_ticket", "priority": "asap"},
                {"type": "save_to_database", "table": "Leads; DROP TABLE x"}
            ]
        }));
        let paths: Vec<&str> = problems
            .iter()
            .map(|p| p.split(':').next().unwrap())
            .collect();
        assert_eq!(
            paths,
            [
                "name",
                "goal",
                "priority",
                "keywords[1]",
                "steps[0].fields",
                "steps[0].fields",
                "steps[1].template",
                "steps[2].link",
                "steps[3].priority",
                "steps[4].table"
            ],
            "{problems:#?}"
        );
        assert!(problems.contains(&"steps[2].link: must be an absolute http(s) URL such as https://calendly.com/acme/intro (got \"calendly.com/acme\")".to_string()));
        assert!(problems[1].contains("use one of general_inquiry, lead_capture"));
    }

    #[test]
    fn limits_are_enforced() {
        let problems = problems_of(serde_json::json!({
            "name": "x".repeat(101),
            "goal": "general_inquiry",
            "context": "c".repeat(8_001),
        }));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("name: must be at most 100 characters"));
        assert!(problems[1].starts_with("context: must be at most 8000 characters"));
    }

    #[test]
    fn examples_are_validated_like_keywords() {
        let problems = problems_of(serde_json::json!({
            "name": "Leads", "goal": "lead_capture",
            "examples": ["how much for a roof?", " ", "x".repeat(321)],
        }));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("examples[1]: must contain"));
        assert!(problems[1].starts_with("examples[2]: must be at most 320 characters"));
        let spec = draft(serde_json::json!({
            "name": "Leads", "goal": "lead_capture",
            "examples": [" How much? ", "how much?", "Any deals"],
        }))
        .validate()
        .unwrap();
        assert_eq!(
            spec.examples,
            ["How much?", "Any deals"],
            "trimmed, without duplicates"
        );
    }

    #[test]
    fn unknown_fields_and_step_types_are_refused() {
        assert!(serde_json::from_value::<WorkflowDraft>(serde_json::json!({"nme": "x"})).is_err());
        let unknown_step = serde_json::json!({"name": "x", "goal": "lead_capture", "steps": [{"type": "send_fax"}]});
        assert!(serde_json::from_value::<WorkflowDraft>(unknown_step).is_err());
        let extra_step_field = serde_json::json!({"name": "x", "goal": "lead_capture", "steps": [{"type": "send_response", "template": "hi", "tone": "warm"}]});
        assert!(serde_json::from_value::<WorkflowDraft>(extra_step_field).is_err());
    }

    #[test]
    fn a_spec_round_trips_through_its_draft() {
        let spec = draft(serde_json::json!({
            "name": "Lead capture", "goal": "lead_capture", "priority": 20, "active": true,
            "keywords": ["estimate"], "context": "Be kind.", "response_template": "Thanks!",
            "examples": ["what would a new roof cost?", "¿Cuánto cuesta?"],
            "steps": [
                {"type": "extract_information", "fields": "name,email"},
                {"type": "send_response", "template": "Thanks {{name}}!"},
                {"type": "create_support_ticket", "priority": "high"},
                {"type": "book_appointment", "link": "https://calendly.com/acme/intro"},
                {"type": "save_to_database", "table": "leads"}
            ],
            "follow_up": {"after_hours": 4, "template": {"en": "Still there?", "es": "¿Sigue ahí?"}}
        }))
        .validate()
        .unwrap();
        assert!(spec.follow_up.is_some());
        assert_eq!(WorkflowDraft::from(&spec).validate().unwrap(), spec);
    }

    #[test]
    fn the_follow_up_is_checked_with_the_workflow() {
        let problems = problems_of(serde_json::json!({
            "name": "Leads", "goal": "lead_capture",
            "follow_up": {"after_hours": 0, "template": "Still there?"}
        }));
        assert_eq!(
            problems,
            ["follow_up.after_hours: must be between 1 and 168 hours"]
        );
        let problems = problems_of(serde_json::json!({
            "name": "Leads", "goal": "lead_capture",
            "follow_up": {"after_hours": 4, "template": {"en": " "}}
        }));
        assert!(
            problems[0].starts_with("follow_up.template: write the nudge"),
            "{problems:?}"
        );
        let no_follow_up = draft(serde_json::json!({"name": "Leads", "goal": "lead_capture"}));
        assert_eq!(no_follow_up.validate().unwrap().follow_up, None);
    }

    proptest! {
        #[test]
        fn field_names_are_normalised_identifiers_or_refused(raw in "\\PC{0,80}") {
            if let Ok(name) = FieldName::parse(&raw) {
                prop_assert!(is_identifier(name.as_str()));
            }
        }

        #[test]
        fn table_names_accepted_are_safe_sql_identifiers(raw in "[a-zA-Z0-9_;' -]{0,70}") {
            match TableName::parse(&raw) {
                Ok(table) => prop_assert!(table.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')),
                Err(message) => prop_assert!(message.contains("not a table name")),
            }
        }
    }
}
