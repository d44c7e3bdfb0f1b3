//! What the engine needs to know about the installation. The server's `Config` reads these from
//! its file and the environment and builds them ([`EngineSettings`]); the engine never reads
//! configuration itself.

/// Everything the pipeline, the sandbox and the saved test suite are configured by.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineSettings {
    pub sms: SmsSettings,
    /// An OpenAI-compatible model server that writes replies; the builtin agent when `None`.
    pub openai: Option<smsflow_llm::OpenAiSettings>,
    /// Where new tickets are posted (a helpdesk), signed with the secret; off when `None`.
    pub ticket_webhook: Option<TicketWebhookSettings>,
    /// Where `conversation.needs_human` is posted when a texter asks for a person; off when `None`.
    pub handoff_webhook: Option<TicketWebhookSettings>,
    /// The base URL the outside world uses to reach this installation (links in outgoing webhooks).
    pub public_url: String,
    /// How often the matcher checks the database for workflow changes made by other processes.
    pub reload_interval_ms: u64,
    /// Publishing first runs the saved conversation-test suite against the draft and is refused
    /// when a test fails.
    pub publish_requires_tests: bool,
    /// Inbound workers in this process, each claiming whole conversations.
    pub inbound_workers: usize,
    /// With a model server: replies it is asked to write at once, across the inbound workers.
    pub model_calls_in_flight: usize,
}

/// `SMSFLOW_MODEL`: match by meaning with the embedding model (installed by `serve` when missing),
/// or by keywords only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ModelSetting {
    #[default]
    Auto,
    Off,
}

/// A signed outgoing webhook: where to post, and the secret that signs each delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketWebhookSettings {
    pub url: String,
    pub secret: String,
}

/// How smsflow behaves as an SMS system (carrier rules, loop guard, quiet hours).
#[derive(Debug, Clone, PartialEq)]
pub struct SmsSettings {
    /// Our number when nothing else says which to use (the simulator, `messages/send` without `from`).
    pub default_from: String,
    /// Longest automatic reply, in segments.
    pub max_segments: usize,
    /// Replace curly quotes, long dashes and the like with GSM-7 equivalents.
    pub gsm_friendly: bool,
    pub help_text: String,
    pub opt_out_text: String,
    pub opt_in_text: String,
    /// At most this many automatic replies to one number per minute (the loop guard).
    pub auto_replies_per_minute: u32,
    /// A conversation's workflow is dropped after this long without a message.
    pub idle_timeout_minutes: u64,
    /// Suggest mode: a draft nobody approved within this long hands the conversation to the team.
    pub draft_expiry_minutes: u64,
    /// No automatic reply goes out between these local times; replies wait until the end.
    pub quiet_hours: Option<crate::quiet_hours::QuietHours>,
    /// Answer `whatsapp:` senders on WhatsApp (through Twilio); when off they are stored only.
    pub whatsapp: bool,
    /// When the team answers: a texter who asks for a person is told when to expect one.
    pub business_hours: Option<crate::business_hours::BusinessHours>,
    /// The business's time zone (`sms.timezone`): texted days and times ("tomorrow at 3") are read in it.
    pub timezone: jiff::tz::TimeZone,
}

impl SmsSettings {
    /// A body as smsflow sends it: with GSM-7 equivalents for typography when `gsm_friendly`.
    /// What the inbox's segment counter measures, so it counts what will really be sent.
    pub fn as_sent(&self, body: &str) -> String {
        if self.gsm_friendly {
            smsflow_core::sms::to_gsm_friendly(body)
        } else {
            body.to_string()
        }
    }
}
