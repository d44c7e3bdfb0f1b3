//! Which agent handles a conversation, exactly as the product page says: the workflow's assigned
//! agent, else the first routing rule that matches, else the default SMS agent.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::goal::Goal;

/// An agent as people write it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentDraft {
    pub name: Option<String>,
    /// Instructions: who the agent is and how it talks.
    #[serde(default)]
    pub persona: Option<String>,
    /// `builtin` (no model) or `openai` (the configured OpenAI-compatible server).
    #[serde(default)]
    pub backend: Option<String>,
    /// The model name for `openai` (the server's default model when absent).
    #[serde(default)]
    pub model: Option<String>,
    /// Longest reply in SMS segments (1-10, default 3).
    #[serde(default)]
    pub max_segments: Option<i64>,
    /// Language to answer in (e.g. `es`); the person's own when absent.
    #[serde(default)]
    pub language: Option<String>,
    /// Make this the default SMS agent (the previous default stops being it).
    #[serde(default)]
    pub is_default: Option<bool>,
    /// Suggest mode: the agent's replies wait as drafts for a person to send, edit or discard.
    #[serde(default)]
    pub suggest_replies: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AgentSpec {
    pub name: String,
    pub persona: String,
    pub backend: String,
    pub model: Option<String>,
    pub max_segments: i64,
    pub language: Option<String>,
    pub is_default: bool,
    /// Suggest mode: nothing the agent writes leaves until a person approves it.
    #[serde(default)]
    pub suggest_replies: bool,
}

impl AgentDraft {
    pub fn validate(&self) -> Result<AgentSpec, crate::Problems> {
        let mut problems = crate::Problems::default();
        let name = self.name.as_deref().map(str::trim).unwrap_or_default();
        if name.is_empty() || name.chars().count() > 100 {
            problems.push::<()>("name", "is required: 1 to 100 characters");
        }
        let persona = self.persona.clone().unwrap_or_default();
        if persona.chars().count() > 4_000 {
            problems.push::<()>("persona", "must be at most 4000 characters");
        }
        let backend = self.backend.clone().unwrap_or_else(|| "builtin".into());
        if !matches!(backend.as_str(), "builtin" | "openai") {
            problems.push::<()>(
                "backend",
                format!("{backend:?} is not a backend: use builtin or openai"),
            );
        }
        let max_segments = self.max_segments.unwrap_or(3);
        if !(1..=10).contains(&max_segments) {
            problems.push::<()>("max_segments", "must be between 1 and 10");
        }
        let short = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        if short(&self.language).is_some_and(|language| language.len() > 35) {
            problems.push::<()>("language", "must be a language name or code such as es");
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(AgentSpec {
            name: name.to_string(),
            persona,
            backend,
            model: short(&self.model),
            max_segments,
            language: short(&self.language),
            is_default: self.is_default.unwrap_or(false),
            suggest_replies: self.suggest_replies.unwrap_or(false),
        })
    }
}

/// Conditions of a routing rule; every condition given must hold (an empty list holds always).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleConditions {
    /// Our numbers (To), E.164.
    #[serde(default)]
    pub to_numbers: Vec<String>,
    /// Prefixes of their number, e.g. `+1` (a country code) or `+1415` (an area).
    #[serde(default)]
    pub from_prefixes: Vec<String>,
    /// The matched workflow's goal.
    #[serde(default)]
    pub goals: Vec<Goal>,
    /// Days of the week in `timezone`, 1 (Monday) to 7 (Sunday).
    #[serde(default)]
    pub days: Vec<u8>,
    /// A time window in `timezone`, `HH:MM` to `HH:MM` (it may cross midnight).
    #[serde(default)]
    pub time_from: Option<String>,
    #[serde(default)]
    pub time_to: Option<String>,
    /// IANA time zone of `days` and the time window; UTC when absent.
    #[serde(default)]
    pub timezone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoutingRule {
    pub id: Uuid,
    /// Rules are tried in ascending position.
    pub position: i64,
    pub agent_id: Uuid,
    pub conditions: RuleConditions,
}

/// What a rule is checked against.
pub struct RoutingContext<'a> {
    pub to: &'a str,
    pub from: &'a str,
    pub goal: Goal,
}

/// A local time: ISO weekday (1 = Monday) and minutes since midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalClock {
    pub weekday: u8,
    pub minute: u16,
}

/// Why an agent was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum AgentSource {
    /// The workflow's assigned agent.
    Workflow,
    /// The first routing rule that matched.
    RoutingRule { rule_id: Uuid },
    /// The default SMS agent.
    Default,
}

/// `HH:MM` as minutes since midnight.
pub fn parse_minutes(text: &str) -> Option<u16> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let (hours, minutes): (u16, u16) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
}

impl RuleConditions {
    /// `clock` gives the local time in the rule's time zone (None when it is unknown).
    pub fn hold(
        &self,
        context: &RoutingContext<'_>,
        clock: impl Fn(Option<&str>) -> Option<LocalClock>,
    ) -> bool {
        let listed =
            |list: &[String], value: &str| list.is_empty() || list.iter().any(|item| item == value);
        if !listed(&self.to_numbers, context.to) {
            return false;
        }
        if !self.from_prefixes.is_empty()
            && !self
                .from_prefixes
                .iter()
                .any(|prefix| context.from.starts_with(prefix.as_str()))
        {
            return false;
        }
        if !self.goals.is_empty() && !self.goals.contains(&context.goal) {
            return false;
        }
        let timed = !self.days.is_empty() || self.time_from.is_some() || self.time_to.is_some();
        if !timed {
            return true;
        }
        let Some(now) = clock(self.timezone.as_deref()) else {
            return false;
        };
        if !self.days.is_empty() && !self.days.contains(&now.weekday) {
            return false;
        }
        match (
            self.time_from.as_deref().and_then(parse_minutes),
            self.time_to.as_deref().and_then(parse_minutes),
        ) {
            (Some(from), Some(to)) if from <= to => (from..to).contains(&now.minute),
            (Some(from), Some(to)) => now.minute >= from || now.minute < to,
            _ => true,
        }
    }
}

/// The agent for a turn: the workflow's, else the first matching rule's (by position), else the
/// default agent's.
pub fn resolve_agent(
    workflow_agent: Option<Uuid>,
    rules: &[RoutingRule],
    context: &RoutingContext<'_>,
    default_agent: Uuid,
    clock: impl Fn(Option<&str>) -> Option<LocalClock>,
) -> (Uuid, AgentSource) {
    if let Some(agent) = workflow_agent {
        return (agent, AgentSource::Workflow);
    }
    let mut ordered: Vec<&RoutingRule> = rules.iter().collect();
    ordered.sort_by_key(|rule| (rule.position, rule.id));
    ordered
        .into_iter()
        .find(|rule| rule.conditions.hold(context, &clock))
        .map(|rule| (rule.agent_id, AgentSource::RoutingRule { rule_id: rule.id }))
        .unwrap_or((default_agent, AgentSource::Default))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(position: i64, agent: Uuid, conditions: RuleConditions) -> RoutingRule {
        RoutingRule {
            id: Uuid::now_v7(),
            position,
            agent_id: agent,
            conditions,
        }
    }

    #[test]
    fn the_workflow_then_the_first_matching_rule_then_the_default() {
        let (workflow_agent, uk_agent, support_agent, default) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let rules = vec![
            rule(
                2,
                support_agent,
                RuleConditions {
                    goals: vec![Goal::HelpDeskSupport],
                    ..Default::default()
                },
            ),
            rule(
                1,
                uk_agent,
                RuleConditions {
                    from_prefixes: vec!["+44".into()],
                    ..Default::default()
                },
            ),
        ];
        let clock = |_: Option<&str>| {
            Some(LocalClock {
                weekday: 3,
                minute: 600,
            })
        };
        let uk_support = RoutingContext {
            to: "+15550009999",
            from: "+447700900123",
            goal: Goal::HelpDeskSupport,
        };
        assert_eq!(
            resolve_agent(Some(workflow_agent), &rules, &uk_support, default, clock).0,
            workflow_agent
        );
        let (agent, source) = resolve_agent(None, &rules, &uk_support, default, clock);
        assert_eq!(agent, uk_agent, "position 1 is tried first");
        assert!(matches!(source, AgentSource::RoutingRule { .. }));
        let us_support = RoutingContext {
            from: "+14155550111",
            ..uk_support
        };
        assert_eq!(
            resolve_agent(None, &rules, &us_support, default, clock).0,
            support_agent
        );
        let us_sales = RoutingContext {
            goal: Goal::SalesInquiry,
            ..us_support
        };
        assert_eq!(
            resolve_agent(None, &rules, &us_sales, default, clock),
            (default, AgentSource::Default)
        );
    }

    #[test]
    fn days_and_time_windows_in_the_rules_time_zone() {
        let night = RuleConditions {
            days: vec![1, 2, 3, 4, 5],
            time_from: Some("18:00".into()),
            time_to: Some("08:00".into()),
            timezone: Some("America/New_York".into()),
            ..Default::default()
        };
        let context = RoutingContext {
            to: "+1",
            from: "+1",
            goal: Goal::GeneralInquiry,
        };
        let at = |weekday, hour: u16| {
            move |zone: Option<&str>| {
                assert_eq!(zone, Some("America/New_York"));
                Some(LocalClock {
                    weekday,
                    minute: hour * 60,
                })
            }
        };
        assert!(night.hold(&context, at(2, 22)));
        assert!(night.hold(&context, at(2, 7)));
        assert!(!night.hold(&context, at(2, 12)));
        assert!(!night.hold(&context, at(6, 22)), "not on Saturday");
        assert!(
            !night.hold(&context, |_| None),
            "an unknown clock holds no timed rule"
        );
        assert_eq!(parse_minutes("08:30"), Some(510));
        assert_eq!(parse_minutes("24:00"), None);
    }
}
