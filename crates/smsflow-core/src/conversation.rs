//! Conversations in the domain: the kinds of messages and where they stand, and routing: which
//! workflow guides a conversation's next turn (it keeps its workflow across turns until the run is
//! done, it goes idle, or a strictly higher-priority workflow matches).

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::matcher::{MatchEntry, MatchExplanation, Matcher};

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

text_enum!(
    /// The gateway a message came through or goes out on.
    Channel { Twilio = "twilio", Kannel = "kannel", Simulator = "simulator" }
);
text_enum!(Direction { Inbound = "inbound", Outbound = "outbound" });
text_enum!(
    /// Who wrote a message.
    Author { Contact = "contact", Agent = "agent", Human = "human", System = "system" }
);
text_enum!(
    /// `received` and `processed` are inbound; the rest outbound, in the order they happen, but
    /// `draft`: in suggest mode, the agent's reply waiting for a person to send, edit or discard.
    MessageStatus {
        Received = "received",
        Processed = "processed",
        Queued = "queued",
        Sending = "sending",
        Sent = "sent",
        Delivered = "delivered",
        Undelivered = "undelivered",
        Failed = "failed",
        Suppressed = "suppressed",
        Draft = "draft",
    }
);
text_enum!(
    /// `agent`: automatic replies; `human`: a person took over and the agent stays silent.
    ConversationStatus { Agent = "agent", Human = "human" }
);

text_enum!(
    /// Where a support ticket stands.
    TicketStatus { Open = "open", Pending = "pending", Solved = "solved" }
);

/// The workflow a conversation is in, as stored with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveWorkflow {
    pub id: Uuid,
    /// When it last handled a message.
    pub last_turn_at: OffsetDateTime,
    /// Its steps are done.
    pub run_completed: bool,
}

/// How the workflow for a turn was chosen; stored with the message and shown by the test endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum RoutingDecision {
    /// No workflow was active: the matcher's winner takes the conversation.
    NewMatch,
    /// The active workflow keeps the conversation; `matched_instead` is what the message alone would
    /// have matched (not of strictly higher priority).
    Continued { matched_instead: Option<String> },
    /// A workflow of strictly higher priority matched and takes over.
    HigherPriority { previous: Uuid },
    /// The active workflow was idle longer than the timeout.
    IdleTimeout { previous: Uuid },
    /// The active workflow's steps were done.
    PreviousCompleted { previous: Uuid },
    /// The active workflow was deleted or deactivated.
    PreviousUnavailable { previous: Uuid },
}

impl RoutingDecision {
    pub fn describe(&self) -> &'static str {
        match self {
            RoutingDecision::NewMatch => {
                "no workflow was active: the best match takes the conversation"
            }
            RoutingDecision::Continued { .. } => "the conversation's active workflow continues",
            RoutingDecision::HigherPriority { .. } => {
                "a workflow of higher priority matched and took over"
            }
            RoutingDecision::IdleTimeout { .. } => {
                "the active workflow was idle too long: matched anew"
            }
            RoutingDecision::PreviousCompleted { .. } => {
                "the active workflow's steps were done: matched anew"
            }
            RoutingDecision::PreviousUnavailable { .. } => {
                "the active workflow was deleted or deactivated: matched anew"
            }
        }
    }
}

/// The workflow for one turn, and why.
#[derive(Debug, Clone)]
pub struct Route<'m> {
    pub workflow: Option<&'m MatchEntry>,
    pub decision: RoutingDecision,
    pub explanation: MatchExplanation,
}

/// Chooses the workflow for a message in a conversation whose active workflow is `active`.
pub fn route<'m>(
    matcher: &'m Matcher,
    text: &str,
    active: Option<ActiveWorkflow>,
    now: OffsetDateTime,
    idle_timeout: Duration,
) -> Route<'m> {
    let explanation = matcher.explain(text, false);
    let winner = matcher.find(text);
    let new_match = |decision| Route {
        workflow: winner,
        decision,
        explanation: explanation.clone(),
    };
    let Some(active) = active else {
        return new_match(RoutingDecision::NewMatch);
    };
    let previous = active.id;
    if active.run_completed {
        return new_match(RoutingDecision::PreviousCompleted { previous });
    }
    if now - active.last_turn_at > idle_timeout {
        return new_match(RoutingDecision::IdleTimeout { previous });
    }
    let Some(current) = matcher.entry_by_id(active.id).filter(|entry| entry.active) else {
        return new_match(RoutingDecision::PreviousUnavailable { previous });
    };
    match winner {
        Some(winner) if winner.priority > current.priority => {
            new_match(RoutingDecision::HigherPriority { previous })
        }
        _ => Route {
            workflow: Some(current),
            decision: RoutingDecision::Continued {
                matched_instead: winner
                    .filter(|winner| winner.id != current.id)
                    .map(|winner| winner.name.clone()),
            },
            explanation,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::goal::Goal;

    fn entry(name: &str, goal: Goal, priority: i64, active: bool) -> MatchEntry {
        MatchEntry {
            id: Some(Uuid::now_v7()),
            ..MatchEntry::new(name, goal, priority, active)
        }
    }

    struct Fixture {
        matcher: Matcher,
        leads: Uuid,
        support: Uuid,
        booking: Uuid,
    }

    fn fixture() -> Fixture {
        let leads = entry("Leads", Goal::LeadCapture, 20, true);
        let support = entry("Support", Goal::HelpDeskSupport, 30, true);
        let booking = entry("Booking", Goal::AppointmentBooking, 10, true);
        let fallback = entry("Fallback", Goal::GeneralInquiry, 0, true);
        let ids = (leads.id.unwrap(), support.id.unwrap(), booking.id.unwrap());
        Fixture {
            matcher: Matcher::new(vec![leads, support, booking, fallback]),
            leads: ids.0,
            support: ids.1,
            booking: ids.2,
        }
    }

    fn at(minutes: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::minutes(minutes)
    }

    fn active(id: Uuid, minutes: i64) -> Option<ActiveWorkflow> {
        Some(ActiveWorkflow {
            id,
            last_turn_at: at(minutes),
            run_completed: false,
        })
    }

    #[test]
    fn the_active_workflow_keeps_the_conversation() {
        let f = fixture();
        // "book" alone would match Booking (10), lower than Leads (20): Leads continues.
        let route = route(
            &f.matcher,
            "can I book friday?",
            active(f.leads, 0),
            at(5),
            Duration::hours(24),
        );
        assert_eq!(route.workflow.unwrap().name, "Leads");
        assert_eq!(
            route.decision,
            RoutingDecision::Continued {
                matched_instead: Some("Booking".into())
            }
        );
        // A plain answer ("Dana, Blue Fin Sushi") matches only the catch-all: Leads continues.
        let route = super::route(
            &f.matcher,
            "Dana, Blue Fin Sushi",
            active(f.leads, 0),
            at(5),
            Duration::hours(24),
        );
        assert_eq!(route.workflow.unwrap().name, "Leads");
    }

    #[test]
    fn a_strictly_higher_priority_match_takes_over() {
        let f = fixture();
        let route = route(
            &f.matcher,
            "my screen has a problem",
            active(f.leads, 0),
            at(5),
            Duration::hours(24),
        );
        assert_eq!(route.workflow.unwrap().name, "Support");
        assert_eq!(
            route.decision,
            RoutingDecision::HigherPriority { previous: f.leads }
        );
        // Equal priority does not take over.
        let same = super::route(
            &f.matcher,
            "my screen has a problem",
            active(f.support, 0),
            at(5),
            Duration::hours(24),
        );
        assert!(matches!(
            same.decision,
            RoutingDecision::Continued {
                matched_instead: None
            }
        ));
    }

    #[test]
    fn idle_completed_or_missing_workflows_match_anew() {
        let f = fixture();
        let idle = route(
            &f.matcher,
            "a quote please",
            active(f.booking, 0),
            at(25 * 60),
            Duration::hours(24),
        );
        assert_eq!(
            idle.decision,
            RoutingDecision::IdleTimeout {
                previous: f.booking
            }
        );
        assert_eq!(idle.workflow.unwrap().name, "Leads");
        let done = ActiveWorkflow {
            run_completed: true,
            ..active(f.booking, 0).unwrap()
        };
        let completed = route(&f.matcher, "hello", Some(done), at(1), Duration::hours(24));
        assert_eq!(
            completed.decision,
            RoutingDecision::PreviousCompleted {
                previous: f.booking
            }
        );
        assert_eq!(completed.workflow.unwrap().name, "Fallback");
        let gone = Uuid::now_v7();
        let missing = route(
            &f.matcher,
            "hello",
            active(gone, 0),
            at(1),
            Duration::hours(24),
        );
        assert_eq!(
            missing.decision,
            RoutingDecision::PreviousUnavailable { previous: gone }
        );
        let fresh = route(&f.matcher, "hello", None, at(1), Duration::hours(24));
        assert_eq!(fresh.decision, RoutingDecision::NewMatch);
    }
}
