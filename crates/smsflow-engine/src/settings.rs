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
    /// How the team hears of hand-offs, new tickets and failed deliveries.
    pub notifications: NotificationSettings,
    /// The base URL the outside world uses to reach this installation (links in outgoing webhooks).
    pub public_url: String,
    /// How often the matcher checks the database for workflow changes made by other processes.
    pub reload_interval_ms: u64,
    /// Publishing first runs the saved conversation-test suite against the draft and is refused
    /// when a test fails.
    pub publish_requires_tests: bool,
    /// Inbound workers in this process, each claiming whole conversations.
    pub inbound_workers: usize,
    /// How long an inbound worker lets a batch claimed under load wait for more texts.
    pub batch_wait_ms: u64,
    /// With a model server: replies it is asked to write at once, across the inbound workers.
    pub model_calls_in_flight: usize,
}

/// `SMSFLOW_MODEL`: match by meaning with the embedding model (installed by `serve` when missing),
/// or by keywords only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ModelSetting {
    /// The default model.
    #[default]
    Auto,
    Off,
    /// A model chosen by name (one of [`smsflow_semantic::MODELS`]).
    Named(&'static smsflow_semantic::WheelModel),
}

impl ModelSetting {
    /// The model called `name` (`multilingual-e5-small`, `all-MiniLM-L6-v2`; any case).
    pub fn named(name: &str) -> Option<ModelSetting> {
        smsflow_semantic::install::by_name(name).map(ModelSetting::Named)
    }

    /// The model to match with, `None` when off.
    pub fn model(self) -> Option<&'static smsflow_semantic::WheelModel> {
        match self {
            ModelSetting::Auto => Some(smsflow_semantic::default_model()),
            ModelSetting::Off => None,
            ModelSetting::Named(model) => Some(model),
        }
    }
}

/// A signed outgoing webhook: where to post, and the secret that signs each delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketWebhookSettings {
    pub url: String,
    pub secret: String,
}

/// How the team hears of hand-offs, new tickets and failed deliveries: emails to the admins who
/// want them, and the team's signed webhook.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotificationSettings {
    /// Emails through this SMTP server; off when `None`.
    pub email: Option<EmailSettings>,
    /// The team's webhook (`handoff_webhook_url`); off when `None`.
    pub webhook: Option<TicketWebhookSettings>,
    pub webhook_format: WebhookFormat,
}

/// An SMTP server to send emails through, checked by [`EmailSettings::parse`].
#[derive(Clone, PartialEq)]
pub struct EmailSettings {
    pub(crate) smtp_url: String,
    pub(crate) from: String,
}

impl std::fmt::Debug for EmailSettings {
    /// Without the URL, which may hold the SMTP password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSettings")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// Why the configured mail server cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum EmailSetupError {
    #[error(
        "smtp.url is not a usable SMTP URL ({0}): use smtp://user:password@host:587?tls=required (STARTTLS), smtps://user:password@host:465 (TLS) or smtp://localhost:25 (a local relay)"
    )]
    Url(lettre::transport::smtp::Error),
    #[error("smtp.from is not an email address ({0}): use e.g. \"smsflow <alerts@example.com>\"")]
    From(lettre::address::AddressError),
}

impl EmailSettings {
    /// `smtp_url`: `smtp://user:password@host:587?tls=required` (STARTTLS),
    /// `smtps://user:password@host:465` (TLS), or `smtp://host:25` (no encryption: a local relay
    /// only). `from`: the sender, e.g. `smsflow <alerts@example.com>`.
    pub fn parse(smtp_url: &str, from: &str) -> Result<EmailSettings, EmailSetupError> {
        lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(smtp_url)
            .map_err(EmailSetupError::Url)?;
        from.parse::<lettre::message::Mailbox>()
            .map_err(EmailSetupError::From)?;
        Ok(EmailSettings {
            smtp_url: smtp_url.to_string(),
            from: from.to_string(),
        })
    }
}

/// The body the team webhook receives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WebhookFormat {
    /// `{"event": ..., "conversation": ..., ...}`.
    #[default]
    Smsflow,
    /// `{"text": ...}`, what Slack's (and Mattermost's, Discord's `/slack`) incoming webhooks take.
    Slack,
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
