//! The workflow form exactly as typed, so that nothing is lost when it comes back with errors, and
//! its conversion to the core's [`WorkflowDraft`] (which does the validation) and back.
//!
//! Steps are sent as repeated fields (`step_type`, `step_fields`, `step_template`,
//! `step_template_es`, `step_priority`, `step_link`, `step_table`, once per step, in order), so
//! moving or removing a step in the page never needs renumbering.
//!
//! A reply text (the response template, a Send Response step) has two boxes: the words for everyone
//! (in English when there are Spanish ones), and optional Spanish words for Spanish texters.

use smsflow_core::language::Language;
use smsflow_core::workflow::{FieldList, Sensitivity, StepDraft};
use smsflow_core::{Goal, Problems, TextDraft, Workflow, WorkflowDraft};
use std::collections::BTreeMap;

/// The step types, with the label the page shows.
pub const STEP_TYPES: [(&str, &str); 5] = [
    ("extract_information", "Extract information"),
    ("send_response", "Send response"),
    ("create_support_ticket", "Create support ticket"),
    ("book_appointment", "Book appointment"),
    ("save_to_database", "Save to database"),
];

pub const TICKET_PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

/// The sensitivities, with the label the page shows.
pub const SENSITIVITIES: [(&str, &str); 3] = [
    ("strict", "Strict: only messages clearly about the goal"),
    ("balanced", "Balanced (recommended)"),
    ("broad", "Broad: also messages probably about the goal"),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepForm {
    pub kind: String,
    pub fields: String,
    /// Re-asks of an invalid value (empty: the default).
    pub reasks: String,
    /// `move_on` or `hand_off` once the re-asks are used up.
    pub on_invalid: String,
    pub template: String,
    /// The Send Response words for Spanish texters (empty: `template` for everyone).
    pub template_es: String,
    pub priority: String,
    pub link: String,
    pub table: String,
}

impl StepForm {
    pub fn new(kind: &str) -> Self {
        StepForm {
            kind: kind.to_string(),
            priority: "normal".into(),
            ..StepForm::default()
        }
    }

    /// Whether this step is of the given type (for the type select).
    pub fn is(&self, kind: &str) -> bool {
        self.kind == kind
    }

    /// Whether the ticket priority select shows this option as chosen (a new step: normal).
    pub fn has_priority(&self, priority: &str) -> bool {
        self.priority == priority || (self.priority.is_empty() && priority == "normal")
    }

    pub fn label(&self) -> &'static str {
        STEP_TYPES
            .iter()
            .find(|(kind, _)| *kind == self.kind)
            .map(|(_, label)| *label)
            .unwrap_or("Step")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowForm {
    pub name: String,
    pub goal: String,
    pub context: String,
    pub response_template: String,
    /// The response template for Spanish texters (empty: `response_template` for everyone).
    pub response_template_es: String,
    pub priority: String,
    pub agent_id: String,
    pub keywords: String,
    /// Example messages, one a line (they may contain commas); `None` when the submitted form had
    /// no such field (a page from before the field existed), so a save keeps the stored ones.
    pub examples: Option<String>,
    pub sensitivity: String,
    /// Built-in keywords ticked to turn off, as (goal, keyword): the page lists every goal's, and
    /// only the chosen goal's count.
    pub keywords_off: Vec<(String, String)>,
    /// Built-in examples ticked to leave out, as (goal, example).
    pub examples_off: Vec<(String, String)>,
    pub active: bool,
    pub steps: Vec<StepForm>,
    /// The version this form was opened at (edits only).
    pub version: Option<i64>,
}

impl Default for WorkflowForm {
    fn default() -> Self {
        WorkflowForm {
            name: String::new(),
            goal: Goal::GeneralInquiry.as_str().into(),
            context: String::new(),
            response_template: String::new(),
            response_template_es: String::new(),
            priority: "0".into(),
            agent_id: String::new(),
            keywords: String::new(),
            examples: None,
            sensitivity: Sensitivity::default().as_str().into(),
            keywords_off: Vec::new(),
            examples_off: Vec::new(),
            active: false,
            steps: Vec::new(),
            version: None,
        }
    }
}

/// What the button pressed asks for: save, or change the list of steps and show the form again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Save,
    /// Save into the draft: nothing goes live until the draft is published.
    SaveDraft,
    AddStep,
    RemoveStep(usize),
    MoveUp(usize),
    MoveDown(usize),
}

impl Action {
    fn parse(value: &str) -> Action {
        let indexed = |prefix: &str| value.strip_prefix(prefix).and_then(|i| i.parse().ok());
        if value == "add_step" {
            Action::AddStep
        } else if value == "save_draft" {
            Action::SaveDraft
        } else if let Some(i) = indexed("remove:") {
            Action::RemoveStep(i)
        } else if let Some(i) = indexed("up:") {
            Action::MoveUp(i)
        } else if let Some(i) = indexed("down:") {
            Action::MoveDown(i)
        } else {
            Action::Save
        }
    }
}

/// Browsers send text areas with CRLF line ends; we store LF.
fn text(value: &str) -> String {
    value.replace("\r\n", "\n")
}

impl WorkflowForm {
    /// Reads a submitted form (`application/x-www-form-urlencoded`).
    pub fn parse(body: &[u8]) -> (WorkflowForm, Action) {
        let mut form = WorkflowForm {
            priority: String::new(),
            goal: String::new(),
            ..WorkflowForm::default()
        };
        let mut action = Action::Save;
        let mut new_step_type = String::new();
        let mut columns: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for (key, value) in form_urlencoded::parse(body) {
            let value = value.into_owned();
            match key.as_ref() {
                "name" => form.name = value,
                "goal" => form.goal = value,
                "context" => form.context = text(&value),
                "response_template" => form.response_template = text(&value),
                "response_template_es" => form.response_template_es = text(&value),
                "priority" => form.priority = value,
                "agent_id" => form.agent_id = value,
                "keywords" => form.keywords = text(&value),
                "examples" => form.examples = Some(text(&value)),
                "sensitivity" => form.sensitivity = value,
                key if key.starts_with(KEYWORD_OFF) => form
                    .keywords_off
                    .push((key[KEYWORD_OFF.len()..].to_string(), value)),
                key if key.starts_with(EXAMPLE_OFF) => form
                    .examples_off
                    .push((key[EXAMPLE_OFF.len()..].to_string(), value)),
                "active" => form.active = matches!(value.as_str(), "on" | "true" | "1"),
                "version" => form.version = value.trim().parse().ok(),
                "action" => action = Action::parse(&value),
                "new_step_type" => new_step_type = value,
                "step_type" => columns.entry("type").or_default().push(value),
                "step_fields" => columns.entry("fields").or_default().push(value),
                "step_reasks" => columns.entry("reasks").or_default().push(value),
                "step_on_invalid" => columns.entry("on_invalid").or_default().push(value),
                "step_template" => columns.entry("template").or_default().push(text(&value)),
                "step_template_es" => columns.entry("template_es").or_default().push(text(&value)),
                "step_priority" => columns.entry("priority").or_default().push(value),
                "step_link" => columns.entry("link").or_default().push(value),
                "step_table" => columns.entry("table").or_default().push(value),
                _ => {}
            }
        }
        let count = columns.get("type").map_or(0, Vec::len);
        let take = |column: &str, i: usize| {
            columns
                .get(column)
                .and_then(|values| values.get(i))
                .cloned()
                .unwrap_or_default()
        };
        form.steps = (0..count)
            .map(|i| StepForm {
                kind: take("type", i),
                fields: take("fields", i),
                reasks: take("reasks", i),
                on_invalid: take("on_invalid", i),
                template: take("template", i),
                template_es: take("template_es", i),
                priority: take("priority", i),
                link: take("link", i),
                table: take("table", i),
            })
            .collect();
        form.apply(action, &new_step_type);
        (form, action)
    }

    /// Adds, removes or moves a step as the action asks.
    fn apply(&mut self, action: Action, new_step_type: &str) {
        let steps = &mut self.steps;
        match action {
            Action::Save => {}
            Action::AddStep => {
                let kind = STEP_TYPES
                    .iter()
                    .find(|(kind, _)| *kind == new_step_type)
                    .map_or(STEP_TYPES[0].0, |(kind, _)| kind);
                steps.push(StepForm::new(kind));
            }
            Action::RemoveStep(i) if i < steps.len() => {
                steps.remove(i);
            }
            Action::MoveUp(i) if i > 0 && i < steps.len() => steps.swap(i - 1, i),
            Action::MoveDown(i) if i + 1 < steps.len() => steps.swap(i, i + 1),
            _ => {}
        }
    }

    /// The form of a stored workflow.
    pub fn of(workflow: &Workflow) -> WorkflowForm {
        let draft = WorkflowDraft::from(&workflow.spec);
        let (response_template, response_template_es) = boxes(draft.response_template.as_ref());
        WorkflowForm {
            name: workflow.spec.name.to_string(),
            goal: workflow.spec.goal.as_str().into(),
            context: workflow.spec.context.clone(),
            response_template,
            response_template_es,
            priority: workflow.spec.priority.to_string(),
            agent_id: workflow
                .spec
                .agent_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            keywords: workflow.spec.keywords.join(", "),
            examples: Some(workflow.spec.examples.join("\n")),
            sensitivity: workflow.spec.sensitivity.as_str().into(),
            keywords_off: chosen(workflow.spec.goal, &workflow.spec.disabled_keywords),
            examples_off: chosen(workflow.spec.goal, &workflow.spec.disabled_examples),
            active: workflow.spec.active,
            steps: draft
                .steps
                .unwrap_or_default()
                .iter()
                .map(StepForm::of)
                .collect(),
            version: Some(workflow.version),
        }
    }

    /// The draft the core validates on top of `base` (the stored workflow being edited, else the
    /// default), plus problems only the form can have (a priority that is not a number, an agent id
    /// that is not an id, an unknown step type). A field the form does not show keeps the stored
    /// value instead of being erased by the save.
    pub fn to_draft_over(&self, base: WorkflowDraft) -> (WorkflowDraft, Problems) {
        let mut problems = Problems::default();
        let priority = match self.priority.trim() {
            "" => None,
            value => value.parse::<i64>().ok().or_else(|| {
                problems.push(
                    "priority",
                    format!(
                        "{value:?} is not a whole number: use e.g. 10 (higher is checked first)"
                    ),
                )
            }),
        };
        let agent_id = match self.agent_id.trim() {
            "" => None,
            value => uuid::Uuid::parse_str(value).ok().or_else(|| {
                problems.push(
                    "agent_id",
                    format!(
                        "{value:?} is not an agent id (a UUID such as 0190f1c2-...); leave it empty to use routing rules"
                    ),
                )
            }),
        };
        let keywords: Vec<String> = self
            .keywords
            .split([',', '\n'])
            .map(str::trim)
            .filter(|keyword| !keyword.is_empty())
            .map(str::to_string)
            .collect();
        let examples = self.examples.as_ref().map(|examples| {
            examples
                .lines()
                .map(str::trim)
                .filter(|example| !example.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        });
        let for_goal = |ticked: &[(String, String)]| -> Vec<String> {
            ticked
                .iter()
                .filter(|(goal, _)| *goal == self.goal)
                .map(|(_, value)| value.clone())
                .collect()
        };
        let steps = self
            .steps
            .iter()
            .enumerate()
            .filter_map(|(i, step)| step.to_draft(i, &mut problems))
            .collect::<Vec<_>>();
        let draft = WorkflowDraft {
            name: Some(self.name.clone()),
            goal: Some(self.goal.clone()).filter(|goal| !goal.trim().is_empty()),
            context: Some(self.context.trim_end().to_string()).filter(|c| !c.is_empty()),
            response_template: Some(from_boxes(
                &self.response_template,
                &self.response_template_es,
            )),
            priority,
            agent_id,
            active: Some(self.active),
            keywords: Some(keywords),
            examples: examples.or(base.examples),
            sensitivity: Some(self.sensitivity.clone()),
            disabled_keywords: Some(for_goal(&self.keywords_off)),
            disabled_examples: Some(for_goal(&self.examples_off)),
            steps: Some(steps),
            ..base
        };
        (draft, problems)
    }
}

impl WorkflowForm {
    /// Whether the sensitivity select shows this option as chosen.
    pub fn has_sensitivity(&self, value: &str) -> bool {
        self.sensitivity == value
    }

    /// Whether the page shows this built-in keyword of `goal` as turned off.
    pub fn keyword_is_off(&self, goal: &str, keyword: &str) -> bool {
        self.keywords_off
            .iter()
            .any(|(g, k)| g == goal && k == keyword)
    }

    /// The built-in examples of `goal` left out that are not among the `shown` ones (labelled
    /// texts turned off through the API or YAML): shown ticked, so that a save keeps them off.
    pub fn labelled_off(&self, goal: &str, shown: &[&str]) -> Vec<&str> {
        self.examples_off
            .iter()
            .filter(|(g, e)| g == goal && !shown.contains(&e.as_str()))
            .map(|(_, e)| e.as_str())
            .collect()
    }

    /// Whether the page shows this built-in example of `goal` as left out.
    pub fn example_is_off(&self, goal: &str, example: &str) -> bool {
        self.examples_off
            .iter()
            .any(|(g, e)| g == goal && e == example)
    }
}

/// The form's (goal, entry) pairs for a stored list of turned-off entries.
fn chosen(goal: Goal, entries: &[String]) -> Vec<(String, String)> {
    entries
        .iter()
        .map(|entry| (goal.as_str().to_string(), entry.clone()))
        .collect()
}

/// Check boxes named `keyword_off_<goal>` / `example_off_<goal>` turn built-ins off.
const KEYWORD_OFF: &str = "keyword_off_";
const EXAMPLE_OFF: &str = "example_off_";

impl StepForm {
    fn of(draft: &StepDraft) -> StepForm {
        let mut step = StepForm::default();
        match draft {
            StepDraft::ExtractInformation {
                fields,
                reasks,
                on_invalid,
            } => {
                step.kind = "extract_information".into();
                step.fields = fields.to_text();
                step.reasks = reasks.map(|n| n.to_string()).unwrap_or_default();
                step.on_invalid = on_invalid.clone().unwrap_or_default();
            }
            StepDraft::SendResponse { template } => {
                step.kind = "send_response".into();
                (step.template, step.template_es) = boxes(Some(template));
            }
            StepDraft::CreateSupportTicket { priority } => {
                step.kind = "create_support_ticket".into();
                step.priority = priority.clone();
            }
            StepDraft::BookAppointment { link } => {
                step.kind = "book_appointment".into();
                step.link = link.clone();
            }
            StepDraft::SaveToDatabase { table } => {
                step.kind = "save_to_database".into();
                step.table = table.clone();
            }
        }
        step
    }

    fn to_draft(&self, i: usize, problems: &mut Problems) -> Option<StepDraft> {
        Some(match self.kind.as_str() {
            "extract_information" => StepDraft::ExtractInformation {
                fields: FieldList::Text(self.fields.clone()),
                reasks: match self.reasks.trim() {
                    "" => None,
                    reasks => reasks.parse().ok().or_else(|| {
                        problems.push(
                            format!("steps[{i}].reasks"),
                            format!("{reasks:?} is not a number of re-asks: use 0 to 5"),
                        )
                    }),
                },
                on_invalid: Some(self.on_invalid.trim().to_string())
                    .filter(|on_invalid| !on_invalid.is_empty()),
            },
            "send_response" => StepDraft::SendResponse {
                template: from_boxes(&self.template, &self.template_es),
            },
            "create_support_ticket" => StepDraft::CreateSupportTicket {
                priority: self.priority.clone(),
            },
            "book_appointment" => StepDraft::BookAppointment {
                link: self.link.clone(),
            },
            "save_to_database" => StepDraft::SaveToDatabase {
                table: self.table.clone(),
            },
            other => {
                return problems.push(
                    format!("steps[{i}].type"),
                    format!("{other:?} is not a step type: choose one from the list"),
                );
            }
        })
    }
}

/// A reply text in the editor's two boxes: the words for everyone (or the English ones), and the
/// Spanish ones.
fn boxes(text: Option<&TextDraft>) -> (String, String) {
    match text {
        None => (String::new(), String::new()),
        Some(TextDraft::Plain(text)) => (text.clone(), String::new()),
        Some(TextDraft::PerLanguage(texts)) => {
            let variant = |language: Language| {
                texts
                    .iter()
                    .find(|(code, _)| Language::parse(code) == Some(language))
                    .map(|(_, text)| text.clone())
                    .unwrap_or_default()
            };
            (variant(Language::English), variant(Language::Spanish))
        }
    }
}

/// The reply text the two boxes say: one text for everyone while the Spanish box is empty.
fn from_boxes(everyone: &str, spanish: &str) -> TextDraft {
    if spanish.trim().is_empty() {
        return TextDraft::Plain(everyone.to_string());
    }
    let mut texts = BTreeMap::from([(Language::Spanish.code().to_string(), spanish.to_string())]);
    if !everyone.trim().is_empty() {
        texts.insert(Language::English.code().to_string(), everyone.to_string());
    }
    TextDraft::PerLanguage(texts)
}

/// Validation problems arranged by the form field they belong to.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors {
    by_field: BTreeMap<String, Vec<String>>,
    /// Every problem with the id of the input it concerns, for the summary at the top.
    pub summary: Vec<(String, String)>,
}

impl FieldErrors {
    pub fn new(problems: &Problems) -> Self {
        let mut errors = FieldErrors::default();
        for problem in problems.iter() {
            let field = form_field(&problem.field);
            errors.summary.push((
                input_id(&field),
                format!("{}: {}", field_label(&field), problem.message),
            ));
            errors
                .by_field
                .entry(field)
                .or_default()
                .push(problem.message.clone());
        }
        errors
    }

    pub fn is_empty(&self) -> bool {
        self.by_field.is_empty()
    }

    /// The messages for one field (`name`, `steps[2].link`), joined.
    pub fn get(&self, field: &str) -> Option<String> {
        self.by_field.get(field).map(|messages| messages.join("; "))
    }

    /// The messages for a field of step `i` (`fields`, `template`, ...).
    pub fn step(&self, i: impl std::fmt::Display, field: &str) -> Option<String> {
        self.get(&format!("steps[{i}].{field}"))
    }
}

/// The form field a problem path belongs to: `keywords[3]` is the keywords box, `agent` the agent id.
fn form_field(path: &str) -> String {
    if path.starts_with("keywords") {
        "keywords".into()
    } else if path.starts_with("examples") {
        "examples".into()
    } else if path.starts_with("disabled_keywords") || path.starts_with("disabled_examples") {
        "goal".into()
    } else if path == "agent" {
        "agent_id".into()
    } else if let Some(template) = path.strip_suffix(".en") {
        // The English words of a reply text are in its first box.
        template.to_string()
    } else if let Some(template) = path.strip_suffix(".es") {
        format!("{template}_es")
    } else {
        path.to_string()
    }
}

/// The id of the input for a field: `f-name`, `s2-link`.
fn input_id(field: &str) -> String {
    match field
        .strip_prefix("steps[")
        .and_then(|rest| rest.split_once("]."))
    {
        Some((i, name)) => format!("s{i}-{name}"),
        None => format!("f-{}", field.replace(['[', ']', '.'], "-")),
    }
}

fn field_label(field: &str) -> String {
    match field
        .strip_prefix("steps[")
        .and_then(|rest| rest.split_once("]."))
    {
        Some((i, name)) => {
            let n: usize = i.parse().unwrap_or(0);
            format!("Step {} {}", n + 1, name.replace('_', " "))
        }
        None => {
            let mut label = field.replace('_', " ");
            if let Some(first) = label.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            label
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(pairs: &[(&str, &str)]) -> Vec<u8> {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
            .into_bytes()
    }

    fn three_steps() -> Vec<(&'static str, &'static str)> {
        let mut pairs = vec![
            ("name", "Leads"),
            ("goal", "lead_capture"),
            ("priority", "20"),
            ("context", "Be kind.\r\nAsk for a name."),
            ("keywords", "ballpark, rough figure"),
            ("active", "on"),
        ];
        for (kind, field, value) in [
            ("extract_information", "step_fields", "name, email"),
            ("book_appointment", "step_link", "https://calendly.com/acme"),
            ("save_to_database", "step_table", "leads"),
        ] {
            pairs.push(("step_type", kind));
            for name in [
                "step_fields",
                "step_reasks",
                "step_on_invalid",
                "step_template",
                "step_template_es",
                "step_priority",
                "step_link",
                "step_table",
            ] {
                pairs.push((name, if name == field { value } else { "" }));
            }
        }
        pairs
    }

    #[test]
    fn a_submitted_form_becomes_a_valid_draft() {
        let (form, action) = WorkflowForm::parse(&encode(&three_steps()));
        assert_eq!(action, Action::Save);
        assert_eq!(form.context, "Be kind.\nAsk for a name.");
        assert_eq!(form.steps.len(), 3);
        let (draft, problems) = form.to_draft_over(WorkflowDraft::default());
        assert!(problems.is_empty());
        let spec = draft.validate().unwrap();
        assert_eq!(spec.priority, 20);
        assert!(spec.active);
        assert_eq!(spec.keywords, ["ballpark", "rough figure"]);
        assert_eq!(spec.steps.len(), 3);
    }

    #[test]
    fn a_stored_workflow_round_trips_through_the_form() {
        let (form, _) = WorkflowForm::parse(&encode(&three_steps()));
        let spec = form
            .to_draft_over(WorkflowDraft::default())
            .0
            .validate()
            .unwrap();
        let workflow = Workflow {
            id: uuid::Uuid::now_v7(),
            spec: spec.clone(),
            version: 4,
            created_at: time::OffsetDateTime::now_utc(),
            updated_at: time::OffsetDateTime::now_utc(),
        };
        let again = WorkflowForm::of(&workflow);
        assert_eq!(again.version, Some(4));
        assert_eq!(
            again
                .to_draft_over(WorkflowDraft::default())
                .0
                .validate()
                .unwrap(),
            spec
        );
    }

    #[test]
    fn spanish_words_round_trip_through_their_own_boxes() {
        let mut pairs = three_steps();
        pairs.push(("response_template", "Thanks!"));
        pairs.push(("response_template_es", "¡Gracias!"));
        pairs.push(("step_type", "send_response"));
        for (name, value) in [
            ("step_fields", ""),
            ("step_reasks", ""),
            ("step_on_invalid", ""),
            ("step_template", ""),
            ("step_template_es", "Le escribiremos {{name}}."),
            ("step_priority", ""),
            ("step_link", ""),
            ("step_table", ""),
        ] {
            pairs.push((name, value));
        }
        let (form, _) = WorkflowForm::parse(&encode(&pairs));
        let spec = form
            .to_draft_over(WorkflowDraft::default())
            .0
            .validate()
            .unwrap();
        let template = spec.response_template.clone().unwrap();
        assert_eq!(template.in_language(Language::Spanish), "¡Gracias!");
        assert_eq!(template.in_language(Language::English), "Thanks!");
        let smsflow_core::Step::SendResponse { template } = &spec.steps[3] else {
            panic!("{:?}", spec.steps[3]);
        };
        assert_eq!(
            template.variant(Language::Spanish),
            Some("Le escribiremos {{name}}.")
        );
        assert_eq!(
            template.variant(Language::English),
            None,
            "the English box was empty"
        );
        let workflow = Workflow {
            id: uuid::Uuid::now_v7(),
            spec: spec.clone(),
            version: 1,
            created_at: time::OffsetDateTime::now_utc(),
            updated_at: time::OffsetDateTime::now_utc(),
        };
        let again = WorkflowForm::of(&workflow);
        assert_eq!(
            (
                again.response_template.as_str(),
                again.response_template_es.as_str()
            ),
            ("Thanks!", "¡Gracias!")
        );
        assert_eq!(again.steps[3].template_es, "Le escribiremos {{name}}.");
        assert_eq!(
            again
                .to_draft_over(WorkflowDraft::default())
                .0
                .validate()
                .unwrap(),
            spec
        );
    }

    #[test]
    fn a_spanish_problem_is_shown_at_the_spanish_box() {
        let problems = Problems::single("steps[1].template.es", "has an unclosed placeholder");
        let errors = FieldErrors::new(&problems);
        assert!(errors.step(1, "template_es").is_some());
        assert_eq!(errors.summary[0].0, "s1-template_es");
        let english = FieldErrors::new(&Problems::single("response_template.en", "too long"));
        assert!(english.get("response_template").is_some());
    }

    #[test]
    fn steps_are_added_moved_and_removed() {
        let mut pairs = three_steps();
        pairs.push(("action", "up:2"));
        let (form, _) = WorkflowForm::parse(&encode(&pairs));
        let kinds: Vec<&str> = form.steps.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "extract_information",
                "save_to_database",
                "book_appointment"
            ]
        );
        let mut pairs = three_steps();
        pairs.extend([("action", "add_step"), ("new_step_type", "send_response")]);
        let (form, action) = WorkflowForm::parse(&encode(&pairs));
        assert_eq!(action, Action::AddStep);
        assert_eq!(form.steps[3].kind, "send_response");
        let mut pairs = three_steps();
        pairs.push(("action", "remove:0"));
        let (form, _) = WorkflowForm::parse(&encode(&pairs));
        assert_eq!(form.steps.len(), 2);
        assert_eq!(form.steps[0].kind, "book_appointment");
        let mut pairs = three_steps();
        pairs.push(("action", "down:2"));
        let (unchanged, _) = WorkflowForm::parse(&encode(&pairs));
        assert_eq!(unchanged.steps[2].kind, "save_to_database");
    }

    #[test]
    fn problems_land_next_to_their_field() {
        let mut pairs = three_steps();
        pairs.retain(|(k, v)| *k != "step_link" || v.is_empty());
        pairs.insert(0, ("step_link", "calendly.com/acme"));
        pairs.push(("priority", "high"));
        pairs.push(("agent_id", "bob"));
        let (form, _) = WorkflowForm::parse(&encode(&pairs));
        let (draft, mut problems) = form.to_draft_over(WorkflowDraft::default());
        if let Err(more) = draft.validate() {
            for problem in more.iter() {
                problems.push::<()>(problem.field.clone(), problem.message.clone());
            }
        }
        let errors = FieldErrors::new(&problems);
        assert!(
            errors
                .get("priority")
                .unwrap()
                .contains("not a whole number")
        );
        assert!(errors.get("agent_id").unwrap().contains("routing rules"));
        assert!(
            errors
                .step(1, "link")
                .unwrap()
                .contains("absolute http(s) URL")
        );
        assert!(errors.get("name").is_none());
        assert!(errors.summary.contains(&(
            "s1-link".into(),
            format!("Step 2 link: {}", errors.step(1, "link").unwrap())
        )));
    }
}
