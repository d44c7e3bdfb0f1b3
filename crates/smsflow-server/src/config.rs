//! Configuration: defaults, then a TOML file, then `SMSFLOW_*` environment variables. Every key has
//! a fixed environment name (listed in `docs/configuration.md`), so deployments can rely on it.

use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub use smsflow_engine::settings::{
    EmailSettings, EngineSettings, ModelSetting, NotificationSettings, SmsSettings,
    TicketWebhookSettings, WebhookFormat,
};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// `sqlite://path` or `postgres://...`; defaults to `smsflow.db` in the data directory.
    pub database_url: String,
    /// Where smsflow keeps its files (the SQLite database, later models).
    pub data_dir: PathBuf,
    /// The base URL the outside world uses to reach this server (for links and webhook signatures).
    pub public_url: String,
    /// How often a server checks the database for workflow changes made by other processes.
    pub reload_interval_ms: u64,
    /// Publishing (API, web, CLI) first runs the saved conversation-test suite against the draft
    /// and is refused when a test fails.
    pub publish_requires_tests: bool,
    /// Whether `serve` matches by meaning, installing the embedding model on first start.
    pub model: ModelSetting,
    /// Inbound workers per process, each claiming whole conversations.
    pub inbound_workers: usize,
    /// How long a batch of texts claimed under load waits for more before it is recorded.
    pub batch_wait_ms: u64,
    /// With a model server: replies it is asked to write at once.
    pub model_calls_in_flight: usize,
    pub sms: SmsSettings,
    pub twilio: Option<TwilioSettings>,
    /// Twilio's REST API, also when Twilio is off: the first-run guide checks pasted credentials
    /// against it.
    pub twilio_api_base: String,
    pub kannel: Option<KannelSettings>,
    /// An OpenAI-compatible model server that writes replies; the builtin agent when `None`.
    pub openai: Option<smsflow_llm::OpenAiSettings>,
    /// The signing key of booking webhooks (Calendly's webhook signing key); off when `None`.
    pub booking_signing_key: Option<String>,
    /// Where new tickets are posted (a helpdesk), signed with the secret; off when `None`.
    pub ticket_webhook: Option<TicketWebhookSettings>,
    /// Read timeouts and the connection limit of the HTTP server.
    pub limits: crate::listener::ServeLimits,
    /// How the team hears of hand-offs, new tickets and failed deliveries (email, webhook).
    pub notifications: NotificationSettings,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TwilioSettings {
    pub account_sid: String,
    pub auth_token: String,
    pub api_base: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KannelSettings {
    pub sendsms_url: String,
    pub username: String,
    pub password: String,
    /// Shared secret the inbound and delivery-report URLs must carry (`?secret=`).
    pub secret: String,
}

/// The TOML file: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    public_url: Option<String>,
    reload_interval_ms: Option<u64>,
    publish_requires_tests: Option<bool>,
    model: Option<String>,
    inbound_workers: Option<usize>,
    batch_wait_ms: Option<u64>,
    model_calls_in_flight: Option<usize>,
    header_read_timeout_secs: Option<u64>,
    body_read_timeout_secs: Option<u64>,
    max_connections: Option<u64>,
    booking_signing_key: Option<String>,
    tickets_webhook_url: Option<String>,
    tickets_webhook_secret: Option<String>,
    handoff_webhook_url: Option<String>,
    handoff_webhook_secret: Option<String>,
    handoff_webhook_format: Option<String>,
    #[serde(default)]
    sms: FileSms,
    #[serde(default)]
    smtp: FileSmtp,
    #[serde(default)]
    twilio: FileTwilio,
    #[serde(default)]
    kannel: FileKannel,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSms {
    default_from: Option<String>,
    max_segments: Option<usize>,
    gsm_friendly: Option<bool>,
    help_text: Option<String>,
    opt_out_text: Option<String>,
    opt_in_text: Option<String>,
    auto_replies_per_minute: Option<u32>,
    idle_timeout_minutes: Option<u64>,
    draft_expiry_minutes: Option<u64>,
    quiet_hours_start: Option<String>,
    quiet_hours_end: Option<String>,
    timezone: Option<String>,
    whatsapp: Option<bool>,
    business_hours: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTwilio {
    account_sid: Option<String>,
    auth_token: Option<String>,
    api_base: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileKannel {
    sendsms_url: Option<String>,
    username: Option<String>,
    password: Option<String>,
    secret: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSmtp {
    url: Option<String>,
    from: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid: {message}")]
    Parse { path: String, message: String },
    #[error("{key} = {value:?} is not valid: {hint}")]
    Invalid {
        key: &'static str,
        value: String,
        hint: &'static str,
    },
    #[error("the model server settings are not usable: {0}")]
    Llm(#[from] smsflow_llm::SettingsError),
    #[error("the [{section}] settings are incomplete: {hint}")]
    Incomplete {
        section: &'static str,
        hint: &'static str,
    },
    #[error(transparent)]
    Email(#[from] smsflow_engine::settings::EmailSetupError),
}

/// As [`parse`], a whole number of 1 or more.
fn parse_positive(
    key: &'static str,
    text: Option<String>,
    fallback: Option<usize>,
    default: usize,
) -> Result<usize, ConfigError> {
    let hint = "use a whole number of 1 or more";
    parse_within(key, text, fallback, default, 1..=usize::MAX, hint)
}

/// As [`parse`], refused outside `range`.
fn parse_within<T: std::str::FromStr + PartialOrd + ToString>(
    key: &'static str,
    text: Option<String>,
    fallback: Option<T>,
    default: T,
    range: std::ops::RangeInclusive<T>,
    hint: &'static str,
) -> Result<T, ConfigError> {
    let value = parse(key, text, fallback, default, hint)?;
    if !range.contains(&value) {
        return Err(ConfigError::Invalid {
            key,
            value: value.to_string(),
            hint,
        });
    }
    Ok(value)
}

/// `text` (from the environment) parsed, else the file's value, else `default`.
fn parse<T: std::str::FromStr>(
    key: &'static str,
    text: Option<String>,
    fallback: Option<T>,
    default: T,
    hint: &'static str,
) -> Result<T, ConfigError> {
    match text {
        Some(text) => text.trim().parse().map_err(|_| ConfigError::Invalid {
            key,
            value: text,
            hint,
        }),
        None => Ok(fallback.unwrap_or(default)),
    }
}

fn load_sms(
    file: FileSms,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<SmsSettings, ConfigError> {
    let max_segments = parse_within(
        "sms.max_segments",
        var("SMSFLOW_SMS_MAX_SEGMENTS"),
        file.max_segments,
        3,
        1..=10,
        "use a whole number from 1 to 10",
    )?;
    let timezone = var("SMSFLOW_SMS_TIMEZONE")
        .or(file.timezone)
        .unwrap_or_else(|| "UTC".into());
    let business_hours = var("SMSFLOW_SMS_BUSINESS_HOURS")
        .or(file.business_hours)
        .map(|hours| {
            smsflow_engine::business_hours::BusinessHours::parse(&hours, &timezone)
                .map_err(|(key, value, hint)| ConfigError::Invalid { key, value, hint })
        })
        .transpose()?;
    let quiet_hours = match (
        var("SMSFLOW_SMS_QUIET_HOURS_START").or(file.quiet_hours_start),
        var("SMSFLOW_SMS_QUIET_HOURS_END").or(file.quiet_hours_end),
    ) {
        (None, None) => None,
        (Some(start), Some(end)) => Some(
            smsflow_engine::quiet_hours::QuietHours::parse(&start, &end, &timezone)
                .map_err(|(key, value, hint)| ConfigError::Invalid { key, value, hint })?,
        ),
        _ => {
            return Err(ConfigError::Incomplete {
                section: "sms",
                hint: "set both sms.quiet_hours_start and sms.quiet_hours_end (HH:MM), or neither",
            });
        }
    };
    Ok(SmsSettings {
        default_from: var("SMSFLOW_SMS_DEFAULT_FROM").or(file.default_from).unwrap_or_else(|| "+15550000000".into()),
        max_segments,
        gsm_friendly: parse("sms.gsm_friendly", var("SMSFLOW_SMS_GSM_FRIENDLY"), file.gsm_friendly, true, "use true or false")?,
        help_text: var("SMSFLOW_SMS_HELP_TEXT").or(file.help_text).unwrap_or_else(|| {
            "You are texting an automated assistant. Reply STOP to opt out, START to opt back in.".into()
        }),
        opt_out_text: var("SMSFLOW_SMS_OPT_OUT_TEXT").or(file.opt_out_text).unwrap_or_else(|| {
            "You are unsubscribed and will receive no more messages. Reply START to resubscribe.".into()
        }),
        opt_in_text: var("SMSFLOW_SMS_OPT_IN_TEXT").or(file.opt_in_text).unwrap_or_else(|| {
            "You are subscribed again. Reply STOP to opt out.".into()
        }),
        auto_replies_per_minute: parse("sms.auto_replies_per_minute", var("SMSFLOW_SMS_AUTO_REPLIES_PER_MINUTE"), file.auto_replies_per_minute, 5, "use a whole number")?,
        idle_timeout_minutes: parse("sms.idle_timeout_minutes", var("SMSFLOW_SMS_IDLE_TIMEOUT_MINUTES"), file.idle_timeout_minutes, 1440, "use a whole number of minutes")?,
        draft_expiry_minutes: parse("sms.draft_expiry_minutes", var("SMSFLOW_SMS_DRAFT_EXPIRY_MINUTES"), file.draft_expiry_minutes, 30, "use a whole number of minutes")?,
        quiet_hours,
        whatsapp: parse("sms.whatsapp", var("SMSFLOW_SMS_WHATSAPP"), file.whatsapp, true, "use true or false")?,
        business_hours,
        timezone: jiff::tz::TimeZone::get(timezone.trim()).map_err(|_| ConfigError::Invalid {
            key: "sms.timezone",
            value: timezone.clone(),
            hint: "use an IANA time zone name, e.g. America/New_York",
        })?,
    })
}

/// The server's limits: `file` holds the TOML values of header_read_timeout_secs,
/// body_read_timeout_secs and max_connections.
fn load_limits(
    file: [Option<u64>; 3],
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<crate::listener::ServeLimits, ConfigError> {
    let [
        header_read_timeout_secs,
        body_read_timeout_secs,
        max_connections,
    ] = file;
    let whole = |key: &'static str, env: &str, fallback: Option<u64>, default: u64| {
        let value = match var(env) {
            Some(text) => text.trim().parse().map_err(|_| ConfigError::Invalid {
                key,
                value: text,
                hint: "use a whole number of 1 or more",
            })?,
            None => fallback.unwrap_or(default),
        };
        if value == 0 {
            return Err(ConfigError::Invalid {
                key,
                value: "0".into(),
                hint: "use a whole number of 1 or more",
            });
        }
        Ok(value)
    };
    let defaults = crate::listener::ServeLimits::default();
    Ok(crate::listener::ServeLimits {
        header_read_timeout: std::time::Duration::from_secs(whole(
            "header_read_timeout_secs",
            "SMSFLOW_HEADER_READ_TIMEOUT_SECS",
            header_read_timeout_secs,
            defaults.header_read_timeout.as_secs(),
        )?),
        body_read_timeout: std::time::Duration::from_secs(whole(
            "body_read_timeout_secs",
            "SMSFLOW_BODY_READ_TIMEOUT_SECS",
            body_read_timeout_secs,
            defaults.body_read_timeout.as_secs(),
        )?),
        max_connections: whole(
            "max_connections",
            "SMSFLOW_MAX_CONNECTIONS",
            max_connections,
            defaults.max_connections as u64,
        )? as usize,
    })
}

/// A signed webhook's URL and secret: both or neither, an http(s) URL and a secret of 16
/// characters or more; `incomplete` otherwise.
fn signed_webhook(
    url: Option<String>,
    secret: Option<String>,
    incomplete: ConfigError,
) -> Result<Option<TicketWebhookSettings>, ConfigError> {
    match (url, secret) {
        (None, None) => Ok(None),
        (Some(url), Some(secret))
            if (url.starts_with("http://") || url.starts_with("https://"))
                && secret.len() >= 16 =>
        {
            Ok(Some(TicketWebhookSettings { url, secret }))
        }
        _ => Err(incomplete),
    }
}

/// Each setting: its TOML key, its environment variable(s), its default, what it does.
pub const KEYS: &[(&str, &str, &str, &str)] = &[
    (
        "listen",
        "SMSFLOW_LISTEN",
        DEFAULT_LISTEN,
        "Address and port the HTTP server listens on.",
    ),
    (
        "database_url",
        "SMSFLOW_DATABASE_URL (or DATABASE_URL)",
        "sqlite://<data_dir>/smsflow.db",
        "sqlite://path for the embedded database, or postgres://user:pass@host/db.",
    ),
    (
        "data_dir",
        "SMSFLOW_DATA_DIR",
        "the platform data directory (~/.local/share/smsflow on Linux), else ./smsflow-data",
        "Where smsflow keeps its files.",
    ),
    (
        "public_url",
        "SMSFLOW_PUBLIC_URL",
        "http://<listen>",
        "Base URL the outside world uses to reach this server (behind a proxy: the proxy's URL).",
    ),
    (
        "reload_interval_ms",
        "SMSFLOW_RELOAD_INTERVAL_MS",
        "2000",
        "How often (ms) a server checks for workflow changes made by other smsflow processes.",
    ),
    (
        "publish_requires_tests",
        "SMSFLOW_PUBLISH_REQUIRES_TESTS",
        "false",
        "true: publishing runs the saved conversation-test suite against the draft first and is refused when a test fails.",
    ),
    (
        "model",
        "SMSFLOW_MODEL",
        "auto",
        "auto: match by meaning too, installing the embedding model on first start; off: keywords only.",
    ),
    (
        "inbound_workers",
        "SMSFLOW_INBOUND_WORKERS",
        "2",
        "Inbound workers per process, each claiming whole conversations (a conversation is answered in order).",
    ),
    (
        "batch_wait_ms",
        "SMSFLOW_BATCH_WAIT_MS",
        "10",
        "Under load, how long (ms, 0-1000) a batch of texts waits for more before it is answered: larger batches cost less per text; 0 never waits.",
    ),
    (
        "model_calls_in_flight",
        "SMSFLOW_MODEL_CALLS_IN_FLIGHT",
        "256",
        "With a model server: replies it is asked to write at once, across the inbound workers.",
    ),
    (
        "header_read_timeout_secs",
        "SMSFLOW_HEADER_READ_TIMEOUT_SECS",
        "10",
        "Seconds a client has to send a request's headers; slower connections are closed.",
    ),
    (
        "body_read_timeout_secs",
        "SMSFLOW_BODY_READ_TIMEOUT_SECS",
        "30",
        "Seconds a client has to send a request's body.",
    ),
    (
        "max_connections",
        "SMSFLOW_MAX_CONNECTIONS",
        "1024",
        "Connections served at once; more are answered 503 at once (keep it below `ulimit -n`).",
    ),
    (
        "sms.default_from",
        "SMSFLOW_SMS_DEFAULT_FROM",
        "+15550000000",
        "Our number when none is given (simulator, messages/send).",
    ),
    (
        "sms.max_segments",
        "SMSFLOW_SMS_MAX_SEGMENTS",
        "3",
        "Longest automatic reply, in SMS segments.",
    ),
    (
        "sms.gsm_friendly",
        "SMSFLOW_SMS_GSM_FRIENDLY",
        "true",
        "Replace typographic characters that force UCS-2.",
    ),
    (
        "sms.help_text",
        "SMSFLOW_SMS_HELP_TEXT",
        "(a short help text)",
        "Answer to HELP/INFO.",
    ),
    (
        "sms.opt_out_text",
        "SMSFLOW_SMS_OPT_OUT_TEXT",
        "(a short confirmation)",
        "Answer to STOP and the other opt-out keywords.",
    ),
    (
        "sms.opt_in_text",
        "SMSFLOW_SMS_OPT_IN_TEXT",
        "(a short confirmation)",
        "Answer to START/UNSTOP/YES.",
    ),
    (
        "sms.auto_replies_per_minute",
        "SMSFLOW_SMS_AUTO_REPLIES_PER_MINUTE",
        "5",
        "Loop guard: automatic replies to one number per minute.",
    ),
    (
        "sms.idle_timeout_minutes",
        "SMSFLOW_SMS_IDLE_TIMEOUT_MINUTES",
        "1440",
        "A conversation's workflow is dropped after this long without a message.",
    ),
    (
        "sms.draft_expiry_minutes",
        "SMSFLOW_SMS_DRAFT_EXPIRY_MINUTES",
        "30",
        "Suggest mode: a drafted reply nobody approved within this many minutes is dropped and the conversation handed to the team.",
    ),
    (
        "sms.quiet_hours_start",
        "SMSFLOW_SMS_QUIET_HOURS_START",
        "(none)",
        "Start of quiet hours, HH:MM local time (with quiet_hours_end).",
    ),
    (
        "sms.quiet_hours_end",
        "SMSFLOW_SMS_QUIET_HOURS_END",
        "(none)",
        "End of quiet hours, HH:MM local time.",
    ),
    (
        "sms.timezone",
        "SMSFLOW_SMS_TIMEZONE",
        "UTC",
        "IANA time zone of the business, e.g. America/New_York: quiet hours, business hours, the days and times people text (\"tomorrow at 3\"), and the times the inbox shows.",
    ),
    (
        "sms.business_hours",
        "SMSFLOW_SMS_BUSINESS_HOURS",
        "(none)",
        "When the team answers, e.g. \"Mon-Fri 09:00-17:00\" (in sms.timezone): a texter who asks for a person is told when to expect one.",
    ),
    (
        "handoff_webhook_url",
        "SMSFLOW_HANDOFF_WEBHOOK_URL",
        "(none: off)",
        "The team's webhook: conversation.needs_human, ticket.opened and message.delivery_failed are posted to it (signed); see docs/notifications.md.",
    ),
    (
        "handoff_webhook_secret",
        "SMSFLOW_HANDOFF_WEBHOOK_SECRET",
        "(none)",
        "Secret that signs the team's webhook (16 characters or more). Never logged.",
    ),
    (
        "handoff_webhook_format",
        "SMSFLOW_HANDOFF_WEBHOOK_FORMAT",
        "smsflow",
        "smsflow: JSON with the event, conversation, ticket and message; slack: {\"text\": ...} for Slack-compatible incoming webhooks.",
    ),
    (
        "smtp.url",
        "SMSFLOW_SMTP_URL",
        "(none: no emails)",
        "Mail server for notification emails: smtp://user:pass@host:587?tls=required (STARTTLS), smtps://user:pass@host:465 (TLS), smtp://localhost:25 (a local relay). Never logged.",
    ),
    (
        "smtp.from",
        "SMSFLOW_SMTP_FROM",
        "(none)",
        "Sender of notification emails, e.g. \"smsflow <alerts@example.com>\"; needed with smtp.url.",
    ),
    (
        "sms.whatsapp",
        "SMSFLOW_SMS_WHATSAPP",
        "true",
        "Answer whatsapp: senders on WhatsApp through Twilio; false: store their texts, do not answer.",
    ),
    (
        "twilio.account_sid",
        "SMSFLOW_TWILIO_ACCOUNT_SID",
        "(none: Twilio off)",
        "Twilio Account SID (AC...).",
    ),
    (
        "twilio.auth_token",
        "SMSFLOW_TWILIO_AUTH_TOKEN",
        "(none)",
        "Twilio auth token: signs webhooks and authenticates sends. Never logged.",
    ),
    (
        "twilio.api_base",
        "SMSFLOW_TWILIO_API_BASE",
        "https://api.twilio.com",
        "Base URL of Twilio's REST API.",
    ),
    (
        "kannel.sendsms_url",
        "SMSFLOW_KANNEL_SENDSMS_URL",
        "(none: Kannel off)",
        "Kannel's sendsms URL, e.g. http://127.0.0.1:13013/cgi-bin/sendsms.",
    ),
    (
        "kannel.username",
        "SMSFLOW_KANNEL_USERNAME",
        "(none)",
        "Kannel sendsms-user username.",
    ),
    (
        "kannel.password",
        "SMSFLOW_KANNEL_PASSWORD",
        "(none)",
        "Kannel sendsms-user password. Never logged.",
    ),
    (
        "kannel.secret",
        "SMSFLOW_KANNEL_SECRET",
        "(none)",
        "Shared secret Kannel's get-url and dlr-url must carry as ?secret=.",
    ),
];

impl Config {
    /// Loads the file named by `SMSFLOW_CONFIG` (or `explicit_file`), then applies the environment.
    pub fn load(
        explicit_file: Option<&Path>,
        env: &HashMap<String, String>,
    ) -> Result<Config, ConfigError> {
        let file_path = explicit_file
            .map(Path::to_path_buf)
            .or_else(|| env.get("SMSFLOW_CONFIG").map(PathBuf::from));
        let file = match &file_path {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let var = |name: &str| env.get(name).filter(|v| !v.is_empty()).cloned();

        let listen_text = var("SMSFLOW_LISTEN")
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.into());
        let listen: SocketAddr = listen_text.parse().map_err(|_| ConfigError::Invalid {
            key: "listen",
            value: listen_text.clone(),
            hint: "use address:port, e.g. 127.0.0.1:8080 or 0.0.0.0:8080",
        })?;
        let data_dir = var("SMSFLOW_DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir)
            .unwrap_or_else(default_data_dir);
        let database_url = var("SMSFLOW_DATABASE_URL")
            .or_else(|| var("DATABASE_URL"))
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("smsflow.db").display()));
        let public_url = var("SMSFLOW_PUBLIC_URL")
            .or(file.public_url)
            .unwrap_or_else(|| format!("http://{listen}"));
        let public_url = public_url.trim_end_matches('/').to_string();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                key: "public_url",
                value: public_url,
                hint: "use an absolute http(s) URL, e.g. https://sms.example.com",
            });
        }
        let reload_text = var("SMSFLOW_RELOAD_INTERVAL_MS");
        let reload_interval_ms = match reload_text {
            Some(text) => text.parse().map_err(|_| ConfigError::Invalid {
                key: "reload_interval_ms",
                value: text,
                hint: "use a whole number of milliseconds, e.g. 2000",
            })?,
            None => file.reload_interval_ms.unwrap_or(2_000),
        }
        .max(100);
        let publish_requires_tests = parse(
            "publish_requires_tests",
            var("SMSFLOW_PUBLISH_REQUIRES_TESTS"),
            file.publish_requires_tests,
            false,
            "use true or false",
        )?;
        let model = match var("SMSFLOW_MODEL").or(file.model) {
            None => ModelSetting::Auto,
            Some(text) if text.trim().eq_ignore_ascii_case("auto") => ModelSetting::Auto,
            Some(text) if text.trim().eq_ignore_ascii_case("off") => ModelSetting::Off,
            Some(text) => match ModelSetting::named(&text) {
                Some(model) => model,
                None => {
                    return Err(ConfigError::Invalid {
                        key: "model",
                        value: text,
                        hint: "use auto (match by meaning, installing the model on first start), off (keywords only), or a model's name: multilingual-e5-small or all-MiniLM-L6-v2",
                    });
                }
            },
        };
        let inbound_workers = parse_positive(
            "inbound_workers",
            var("SMSFLOW_INBOUND_WORKERS"),
            file.inbound_workers,
            2,
        )?;
        // A reply waits this long at most under load: past a second, texters would notice.
        let batch_wait_ms = parse_within(
            "batch_wait_ms",
            var("SMSFLOW_BATCH_WAIT_MS"),
            file.batch_wait_ms,
            10,
            0..=1_000,
            "use a whole number of milliseconds from 0 (never wait) to 1000",
        )?;
        let model_calls_in_flight = parse_positive(
            "model_calls_in_flight",
            var("SMSFLOW_MODEL_CALLS_IN_FLIGHT"),
            file.model_calls_in_flight,
            256,
        )?;
        let limits = load_limits(
            [
                file.header_read_timeout_secs,
                file.body_read_timeout_secs,
                file.max_connections,
            ],
            &var,
        )?;
        let sms = load_sms(file.sms, &var)?;
        let twilio_api_base = var("SMSFLOW_TWILIO_API_BASE")
            .or(file.twilio.api_base)
            .unwrap_or_else(|| smsflow_sms::twilio::DEFAULT_API_BASE.into());
        let twilio = match (
            var("SMSFLOW_TWILIO_ACCOUNT_SID").or(file.twilio.account_sid),
            var("SMSFLOW_TWILIO_AUTH_TOKEN").or(file.twilio.auth_token),
        ) {
            (Some(account_sid), Some(auth_token)) => Some(TwilioSettings {
                account_sid,
                auth_token,
                api_base: twilio_api_base.clone(),
            }),
            (None, None) => None,
            _ => {
                return Err(ConfigError::Incomplete {
                    section: "twilio",
                    hint: "set both twilio.account_sid and twilio.auth_token (SMSFLOW_TWILIO_ACCOUNT_SID, SMSFLOW_TWILIO_AUTH_TOKEN)",
                });
            }
        };
        let kannel = match var("SMSFLOW_KANNEL_SENDSMS_URL").or(file.kannel.sendsms_url) {
            None => None,
            Some(sendsms_url) => {
                let secret = var("SMSFLOW_KANNEL_SECRET").or(file.kannel.secret);
                let Some(secret) = secret.filter(|s| s.len() >= 8) else {
                    return Err(ConfigError::Incomplete {
                        section: "kannel",
                        hint: "set kannel.secret (SMSFLOW_KANNEL_SECRET), at least 8 characters, and put ?secret=... in Kannel's get-url",
                    });
                };
                Some(KannelSettings {
                    sendsms_url,
                    username: var("SMSFLOW_KANNEL_USERNAME")
                        .or(file.kannel.username)
                        .unwrap_or_default(),
                    password: var("SMSFLOW_KANNEL_PASSWORD")
                        .or(file.kannel.password)
                        .unwrap_or_default(),
                    secret,
                })
            }
        };
        let openai = smsflow_llm::try_settings_from_env(env)?;
        let booking_signing_key = var("SMSFLOW_BOOKING_SIGNING_KEY").or(file.booking_signing_key);
        let ticket_webhook = signed_webhook(
            var("SMSFLOW_TICKETS_WEBHOOK_URL").or(file.tickets_webhook_url),
            var("SMSFLOW_TICKETS_WEBHOOK_SECRET").or(file.tickets_webhook_secret),
            ConfigError::Incomplete {
                section: "tickets webhook",
                hint: "set tickets_webhook_url (an http(s) URL) and tickets_webhook_secret (16 characters or more) together",
            },
        )?;
        let handoff_webhook = signed_webhook(
            var("SMSFLOW_HANDOFF_WEBHOOK_URL").or(file.handoff_webhook_url),
            var("SMSFLOW_HANDOFF_WEBHOOK_SECRET").or(file.handoff_webhook_secret),
            ConfigError::Incomplete {
                section: "hand-off webhook",
                hint: "set handoff_webhook_url (an http(s) URL) and handoff_webhook_secret (16 characters or more) together",
            },
        )?;
        let webhook_format = match var("SMSFLOW_HANDOFF_WEBHOOK_FORMAT")
            .or(file.handoff_webhook_format)
            .as_deref()
        {
            None | Some("smsflow") => WebhookFormat::Smsflow,
            Some("slack") => WebhookFormat::Slack,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    key: "handoff_webhook_format",
                    value: other.to_string(),
                    hint: "use smsflow or slack",
                });
            }
        };
        let email = match (
            var("SMSFLOW_SMTP_URL").or(file.smtp.url),
            var("SMSFLOW_SMTP_FROM").or(file.smtp.from),
        ) {
            (None, None) => None,
            (Some(url), Some(from)) => Some(EmailSettings::parse(&url, &from)?),
            _ => {
                return Err(ConfigError::Incomplete {
                    section: "smtp",
                    hint: "set smtp.url and smtp.from together (SMSFLOW_SMTP_URL, SMSFLOW_SMTP_FROM)",
                });
            }
        };
        let notifications = NotificationSettings {
            email,
            webhook: handoff_webhook,
            webhook_format,
        };
        Ok(Config {
            listen,
            database_url,
            data_dir,
            public_url,
            reload_interval_ms,
            publish_requires_tests,
            model,
            inbound_workers,
            batch_wait_ms,
            model_calls_in_flight,
            sms,
            twilio,
            twilio_api_base,
            kannel,
            openai,
            booking_signing_key,
            ticket_webhook,
            limits,
            notifications,
        })
    }

    /// The configuration of a process: its real environment.
    pub fn from_process(explicit_file: Option<&Path>) -> Result<Config, ConfigError> {
        Config::load(explicit_file, &std::env::vars().collect())
    }

    /// The settings the message pipeline runs by.
    pub fn engine(&self) -> EngineSettings {
        EngineSettings {
            sms: self.sms.clone(),
            openai: self.openai.clone(),
            ticket_webhook: self.ticket_webhook.clone(),
            notifications: self.notifications.clone(),
            public_url: self.public_url.clone(),
            reload_interval_ms: self.reload_interval_ms,
            publish_requires_tests: self.publish_requires_tests,
            inbound_workers: self.inbound_workers,
            batch_wait_ms: self.batch_wait_ms,
            model_calls_in_flight: self.model_calls_in_flight,
        }
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })?;
    toml::from_str(&text).map_err(|error| ConfigError::Parse {
        path: path.display().to_string(),
        message: error.to_string(),
    })
}

fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .map(|dir| dir.join("smsflow"))
        .unwrap_or_else(|| PathBuf::from("smsflow-data"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_need_nothing() {
        let config = Config::load(None, &env(&[("SMSFLOW_DATA_DIR", "/tmp/x")])).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database_url, "sqlite:///tmp/x/smsflow.db");
        assert_eq!(config.public_url, "http://127.0.0.1:8080");
        assert_eq!(config.model, ModelSetting::Auto);
    }

    #[test]
    fn the_model_can_be_turned_off_in_the_file_or_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("smsflow.toml");
        std::fs::write(&file, "model = \"off\"\n").unwrap();
        let config = Config::load(Some(&file), &env(&[])).unwrap();
        assert_eq!(config.model, ModelSetting::Off);
        let config = Config::load(Some(&file), &env(&[("SMSFLOW_MODEL", "auto")])).unwrap();
        assert_eq!(config.model, ModelSetting::Auto);
        let config =
            Config::load(None, &env(&[("SMSFLOW_MODEL", "Multilingual-E5-Small")])).unwrap();
        assert_eq!(
            config.model.model().map(|model| model.name),
            Some("multilingual-e5-small")
        );
        let error = Config::load(None, &env(&[("SMSFLOW_MODEL", "no")])).unwrap_err();
        assert!(error.to_string().contains("use auto"), "{error}");
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("smsflow.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\npublic_url = \"https://sms.example.com/\"\ndatabase_url = \"sqlite://file.db\"\n").unwrap();
        let config = Config::load(
            None,
            &env(&[
                ("SMSFLOW_CONFIG", file.to_str().unwrap()),
                ("DATABASE_URL", "postgres://db/x"),
            ]),
        )
        .unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.public_url, "https://sms.example.com");
        assert_eq!(config.database_url, "postgres://db/x");
        let preferred = Config::load(
            None,
            &env(&[
                ("SMSFLOW_DATABASE_URL", "sqlite://a.db"),
                ("DATABASE_URL", "postgres://db/x"),
            ]),
        )
        .unwrap();
        assert_eq!(preferred.database_url, "sqlite://a.db");
    }

    #[test]
    fn notifications_need_a_usable_mail_server_and_a_known_format() {
        let configured = Config::load(
            None,
            &env(&[
                ("SMSFLOW_SMTP_URL", "smtp://localhost:25"),
                ("SMSFLOW_SMTP_FROM", "smsflow <alerts@example.com>"),
                ("SMSFLOW_HANDOFF_WEBHOOK_FORMAT", "slack"),
            ]),
        )
        .unwrap();
        assert!(configured.notifications.email.is_some());
        assert_eq!(
            configured.notifications.webhook_format,
            WebhookFormat::Slack
        );
        for (settings, named) in [
            (
                &[("SMSFLOW_SMTP_URL", "smtp://localhost:25")][..],
                "smtp.from",
            ),
            (
                &[
                    ("SMSFLOW_SMTP_URL", "http://mail.example.com"),
                    ("SMSFLOW_SMTP_FROM", "alerts@example.com"),
                ][..],
                "smtp.url",
            ),
            (
                &[
                    ("SMSFLOW_SMTP_URL", "smtp://localhost:25"),
                    ("SMSFLOW_SMTP_FROM", "not an address"),
                ][..],
                "smtp.from",
            ),
            (
                &[("SMSFLOW_HANDOFF_WEBHOOK_FORMAT", "teams")][..],
                "handoff_webhook_format",
            ),
        ] {
            let error = Config::load(None, &env(settings)).unwrap_err().to_string();
            assert!(error.contains(named), "{settings:?}: {error}");
        }
    }

    #[test]
    fn every_setting_is_documented() {
        let doc = include_str!("../../../docs/configuration.md");
        for (key, env, _, _) in KEYS {
            let leaf = key.rsplit('.').next().unwrap();
            for name in env
                .split([' ', '(', ')'])
                .filter(|word| word.contains("SMSFLOW_") || *word == "DATABASE_URL")
            {
                assert!(
                    doc.contains(name),
                    "docs/configuration.md does not mention {name}"
                );
            }
            assert!(
                doc.contains(leaf),
                "docs/configuration.md does not mention {key}"
            );
        }
    }

    #[test]
    fn channels_are_configured_by_environment() {
        let config = Config::load(
            None,
            &env(&[
                ("SMSFLOW_TWILIO_ACCOUNT_SID", "AC1"),
                ("SMSFLOW_TWILIO_AUTH_TOKEN", "token"),
                (
                    "SMSFLOW_KANNEL_SENDSMS_URL",
                    "http://127.0.0.1:13013/cgi-bin/sendsms",
                ),
                ("SMSFLOW_KANNEL_SECRET", "long-enough-secret"),
                ("SMSFLOW_SMS_MAX_SEGMENTS", "2"),
            ]),
        )
        .unwrap();
        assert_eq!(config.twilio.unwrap().api_base, "https://api.twilio.com");
        assert_eq!(config.kannel.unwrap().secret, "long-enough-secret");
        assert_eq!(config.sms.max_segments, 2);
        let half = Config::load(None, &env(&[("SMSFLOW_TWILIO_ACCOUNT_SID", "AC1")])).unwrap_err();
        assert!(
            half.to_string()
                .contains("set both twilio.account_sid and twilio.auth_token"),
            "{half}"
        );
        let weak = Config::load(
            None,
            &env(&[
                ("SMSFLOW_KANNEL_SENDSMS_URL", "http://x"),
                ("SMSFLOW_KANNEL_SECRET", "short"),
            ]),
        )
        .unwrap_err();
        assert!(weak.to_string().contains("at least 8 characters"), "{weak}");
        let quiet =
            Config::load(None, &env(&[("SMSFLOW_SMS_QUIET_HOURS_START", "21:00")])).unwrap_err();
        assert!(quiet.to_string().contains("quiet_hours_end"), "{quiet}");
    }

    #[test]
    fn inbound_concurrency_comes_from_the_file_or_the_environment() {
        let defaults = Config::load(None, &env(&[])).unwrap();
        assert_eq!(
            (defaults.inbound_workers, defaults.model_calls_in_flight),
            (2, 256)
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("smsflow.toml");
        std::fs::write(&file, "inbound_workers = 4\nmodel_calls_in_flight = 16\n").unwrap();
        let config = Config::load(
            Some(&file),
            &env(&[("SMSFLOW_MODEL_CALLS_IN_FLIGHT", "256")]),
        )
        .unwrap();
        assert_eq!(
            (config.inbound_workers, config.model_calls_in_flight),
            (4, 256)
        );
        assert_eq!(config.engine().model_calls_in_flight, 256);
        let error = Config::load(None, &env(&[("SMSFLOW_INBOUND_WORKERS", "0")])).unwrap_err();
        assert!(
            error.to_string().contains("inbound_workers")
                && error.to_string().contains("1 or more"),
            "{error}"
        );
    }

    #[test]
    fn the_batch_wait_is_a_few_milliseconds_unless_told() {
        assert_eq!(Config::load(None, &env(&[])).unwrap().batch_wait_ms, 10);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("smsflow.toml");
        std::fs::write(&file, "batch_wait_ms = 0\n").unwrap();
        let never = Config::load(Some(&file), &env(&[])).unwrap();
        assert_eq!(never.engine().batch_wait_ms, 0);
        let told = Config::load(Some(&file), &env(&[("SMSFLOW_BATCH_WAIT_MS", "25")])).unwrap();
        assert_eq!(told.engine().batch_wait_ms, 25);
        for bad in ["1001", "-1", "10ms"] {
            let error = Config::load(None, &env(&[("SMSFLOW_BATCH_WAIT_MS", bad)])).unwrap_err();
            assert!(
                error.to_string().contains("batch_wait_ms")
                    && error.to_string().contains("from 0 (never wait) to 1000"),
                "{error}"
            );
        }
    }

    #[test]
    fn bad_values_say_what_to_write() {
        let error = Config::load(None, &env(&[("SMSFLOW_LISTEN", "8080")])).unwrap_err();
        assert!(error.to_string().contains("use address:port"), "{error}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "lisen = \"x\"").unwrap();
        let error = Config::load(Some(&file), &env(&[])).unwrap_err();
        assert!(
            error.to_string().contains("unknown field `lisen`"),
            "{error}"
        );
    }
}
