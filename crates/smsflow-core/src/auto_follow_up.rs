//! A workflow's auto follow-up (off unless set): after `after_hours` waiting on the texter, one
//! nudge per run with `template`, in the texter's language. Part of the workflow's spec, so it
//! travels with the workflow through versions, drafts, rollbacks and YAML files.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::localized::LocalizedText;

/// A workflow's follow-up: after `after_hours` without an answer, one nudge with `template`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoFollowUp {
    /// Hours the run waits on the texter before the nudge, 1 to 168.
    pub after_hours: u32,
    /// The nudge: the same in every language, or `{"en": ..., "es": ...}`.
    pub template: LocalizedText,
}

impl AutoFollowUp {
    /// The longest wait offered: a week.
    pub const MAX_HOURS: u32 = 168;

    /// What is wrong with the setting, if anything: the field and what to do.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if !(1..=Self::MAX_HOURS).contains(&self.after_hours) {
            return Some((
                "after_hours",
                format!("must be between 1 and {} hours", Self::MAX_HOURS),
            ));
        }
        let blank = match &self.template {
            LocalizedText::Plain(text) => text.trim().is_empty(),
            LocalizedText::PerLanguage(texts) => {
                texts.is_empty() || texts.values().any(|text| text.trim().is_empty())
            }
        };
        blank.then(|| {
            (
                "template",
                "write the nudge, e.g. \"Still there? Reply to pick up where we left off.\"".into(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(after_hours: u32, template: &str) -> AutoFollowUp {
        AutoFollowUp {
            after_hours,
            template: LocalizedText::Plain(template.into()),
        }
    }

    #[test]
    fn hours_must_be_within_a_week_and_the_nudge_written() {
        assert_eq!(setting(4, "Still there?").problem(), None);
        assert_eq!(setting(168, "Still there?").problem(), None);
        for hours in [0, 169] {
            assert_eq!(
                setting(hours, "Still there?").problem().unwrap(),
                ("after_hours", "must be between 1 and 168 hours".to_string())
            );
        }
        assert_eq!(setting(4, "  ").problem().unwrap().0, "template");
    }
}
