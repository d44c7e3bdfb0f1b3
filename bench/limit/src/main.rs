//! The "limit" that smsflow's inbound path is measured against (bench/side_by_side.sh, issue 14):
//! the least a server must do per inbound text. `POST /webhooks/twilio/sms` checks Twilio's
//! signature, matches the text against a few keywords, and stores the inbound message and, when a
//! keyword matched, the reply to send in one transaction; a provider retry (the same MessageSid)
//! is stored once. SQLite: one rusqlite connection on a thread of its own (WAL, synchronous
//! NORMAL, as smsflow), one transaction per text. PostgreSQL: one statement per text (a WITH that
//! inserts both rows), pipelined over a few connections.
//!
//! ```text
//! smsflow-limit --listen 127.0.0.1:18331 --public-url http://127.0.0.1:18331 --token TOKEN \
//!   --database sqlite:///tmp/limit.db        (or postgres://user@host:port/db)
//! ```

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::serve::ListenerExt;
use base64::Engine;
use hmac::{Hmac, Mac};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// PostgreSQL connections the statements are pipelined over.
const PG_CONNECTIONS: usize = 4;
/// Keywords and the reply each one queues.
const KEYWORDS: [(&str, &str); 5] = [
    ("quote", "Thanks! How many rooms, and for which dates?"),
    ("price", "Our prices start at $99 a night. Want a quote?"),
    ("book", "Great, which day suits you?"),
    ("hours", "We are open 9 to 5, Monday to Friday."),
    (
        "help",
        "You are texting an automated assistant. Reply STOP to opt out.",
    ),
];

struct Args {
    listen: String,
    public_url: String,
    token: String,
    database: String,
}

fn parse_args() -> Args {
    let mut args = Args {
        listen: "127.0.0.1:18331".into(),
        public_url: String::new(),
        token: String::new(),
        database: String::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => args.listen = value,
            "--public-url" => args.public_url = value,
            "--token" => args.token = value,
            "--database" => args.database = value,
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(!args.token.is_empty(), "--token is required");
    if args.public_url.is_empty() {
        args.public_url = format!("http://{}", args.listen);
    }
    args
}

/// One inbound text to store, with the reply to queue.
struct Inbound {
    sid: String,
    from: String,
    to: String,
    body: String,
    reply: Option<&'static str>,
}

type Done = tokio::sync::oneshot::Sender<Result<(), String>>;

enum Database {
    /// The writer thread's queue.
    Sqlite(std::sync::mpsc::Sender<(Inbound, Done)>),
    Postgres {
        connections: Vec<(tokio_postgres::Client, tokio_postgres::Statement)>,
        next: AtomicUsize,
    },
}

struct App {
    /// The URL Twilio signs: our public URL and the webhook's path.
    url: String,
    token: String,
    keywords: regex::Regex,
    database: Database,
}

impl App {
    /// Twilio's signature: HMAC-SHA1 of the URL followed by each parameter's name and value in
    /// name order, base64; compared in constant time.
    fn signed(&self, params: &[(String, String)], given: &str) -> bool {
        let Ok(given) = base64::engine::general_purpose::STANDARD.decode(given) else {
            return false;
        };
        let mut sorted: Vec<&(String, String)> = params.iter().collect();
        sorted.sort();
        let mut mac =
            Hmac::<sha1::Sha1>::new_from_slice(self.token.as_bytes()).expect("any key length");
        mac.update(self.url.as_bytes());
        for (name, value) in sorted {
            mac.update(name.as_bytes());
            mac.update(value.as_bytes());
        }
        mac.verify_slice(&given).is_ok()
    }

    fn reply(&self, text: &str) -> Option<&'static str> {
        let found = self.keywords.find(text)?.as_str().to_ascii_lowercase();
        KEYWORDS
            .iter()
            .find(|(word, _)| *word == found)
            .map(|(_, reply)| *reply)
    }

    async fn store(&self, inbound: Inbound) -> Result<(), String> {
        match &self.database {
            Database::Sqlite(queue) => {
                let (done, answer) = tokio::sync::oneshot::channel();
                queue
                    .send((inbound, done))
                    .map_err(|_| "the writer thread is gone".to_string())?;
                answer
                    .await
                    .map_err(|_| "the writer thread is gone".to_string())?
            }
            Database::Postgres { connections, next } => {
                let (client, statement) =
                    &connections[next.fetch_add(1, Ordering::Relaxed) % connections.len()];
                client
                    .execute(
                        statement,
                        &[
                            &inbound.sid,
                            &inbound.from,
                            &inbound.to,
                            &inbound.body,
                            &inbound.reply,
                        ],
                    )
                    .await
                    .map(drop)
                    .map_err(|error| error.to_string())
            }
        }
    }
}

async fn webhook(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let params: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|value| value.to_str().ok());
    if !signature.is_some_and(|given| app.signed(&params, given)) {
        return (StatusCode::FORBIDDEN, "bad signature").into_response();
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let (Some(sid), Some(from), Some(to), Some(text)) =
        (get("MessageSid"), get("From"), get("To"), get("Body"))
    else {
        return (
            StatusCode::BAD_REQUEST,
            "MessageSid, From, To and Body are required",
        )
            .into_response();
    };
    let reply = app.reply(&text);
    match app
        .store(Inbound {
            sid,
            from,
            to,
            body: text,
            reply,
        })
        .await
    {
        Ok(()) => (
            [(header::CONTENT_TYPE, "text/xml")],
            "<Response></Response>",
        )
            .into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error).into_response(),
    }
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY, message_sid TEXT UNIQUE, direction TEXT NOT NULL, from_number TEXT NOT NULL,
    to_number TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)";

/// The SQLite writer: one transaction per text, on a thread of its own.
fn sqlite_writer(path: &str) -> std::sync::mpsc::Sender<(Inbound, Done)> {
    let connection = rusqlite::Connection::open(path).expect("the SQLite database opens");
    connection
        .execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; {SCHEMA};"
        ))
        .expect("the schema is created");
    let (queue, jobs) = std::sync::mpsc::channel::<(Inbound, Done)>();
    std::thread::spawn(move || {
        let mut connection = connection;
        for (inbound, done) in jobs {
            let _ = done
                .send(sqlite_store(&mut connection, &inbound).map_err(|error| error.to_string()));
        }
    });
    queue
}

fn sqlite_store(connection: &mut rusqlite::Connection, inbound: &Inbound) -> rusqlite::Result<()> {
    let tx = connection.transaction()?;
    let stored = tx
        .prepare_cached(
            "INSERT INTO messages (message_sid, direction, from_number, to_number, body, status) \
             VALUES (?1, 'inbound', ?2, ?3, ?4, 'received') ON CONFLICT (message_sid) DO NOTHING",
        )?
        .execute((&inbound.sid, &inbound.from, &inbound.to, &inbound.body))?;
    if let (1, Some(reply)) = (stored, inbound.reply) {
        tx.prepare_cached(
            "INSERT INTO messages (direction, from_number, to_number, body, status) \
             VALUES ('outbound', ?1, ?2, ?3, 'queued')",
        )?
        .execute((&inbound.to, &inbound.from, reply))?;
    }
    tx.commit()
}

async fn postgres(url: &str) -> Database {
    let mut connections = Vec::new();
    for _ in 0..PG_CONNECTIONS {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("PostgreSQL is reachable");
        tokio::spawn(async move { connection.await.expect("the PostgreSQL connection holds") });
        if connections.is_empty() {
            client
                .batch_execute(
                    "CREATE TABLE IF NOT EXISTS messages (id BIGSERIAL PRIMARY KEY, message_sid TEXT UNIQUE, \
                     direction TEXT NOT NULL, from_number TEXT NOT NULL, to_number TEXT NOT NULL, body TEXT NOT NULL, \
                     status TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                )
                .await
                .expect("the schema is created");
        }
        let statement = client
            .prepare(
                "WITH inbound AS (INSERT INTO messages (message_sid, direction, from_number, to_number, body, status) \
                 VALUES ($1, 'inbound', $2, $3, $4, 'received') ON CONFLICT (message_sid) DO NOTHING RETURNING 1) \
                 INSERT INTO messages (direction, from_number, to_number, body, status) \
                 SELECT 'outbound', $3, $2, $5, 'queued' FROM inbound WHERE $5::text IS NOT NULL",
            )
            .await
            .expect("the statement prepares");
        connections.push((client, statement));
    }
    Database::Postgres {
        connections,
        next: AtomicUsize::new(0),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = parse_args();
    let database = match args.database.strip_prefix("sqlite://") {
        Some(path) => Database::Sqlite(sqlite_writer(path)),
        None if args.database.starts_with("postgres") => postgres(&args.database).await,
        None => panic!("--database sqlite://PATH or postgres://..."),
    };
    let pattern = KEYWORDS
        .iter()
        .map(|(word, _)| *word)
        .collect::<Vec<_>>()
        .join("|");
    let app = Arc::new(App {
        url: format!(
            "{}/webhooks/twilio/sms",
            args.public_url.trim_end_matches('/')
        ),
        token: args.token,
        keywords: regex::Regex::new(&format!(r"(?i)\b(?:{pattern})\b"))
            .expect("the keywords compile"),
        database,
    });
    let router = Router::new()
        .route("/webhooks/twilio/sms", post(webhook))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .expect("the listen address is free")
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    println!("listening on {}", args.listen);
    axum::serve(listener, router)
        .await
        .expect("the server runs");
}
