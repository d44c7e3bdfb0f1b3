//! The "limit" that smsflow's inbound path is measured against (bench/side_by_side.sh, issue 14):
//! the least a server must do per inbound text. `POST /webhooks/twilio/sms` checks Twilio's
//! signature, matches the text against a few keywords, and stores the inbound message and, when a
//! keyword matched, the reply to send in one transaction; a provider retry (the same MessageSid)
//! is stored once. SQLite: one rusqlite connection on a thread of its own (WAL, synchronous
//! FULL, as smsflow), one transaction per text. PostgreSQL: one statement per text (a WITH that
//! inserts both rows), pipelined over a few connections.
//!
//! With `--send-to` it is the "floor" instead: the least a server must do to *answer* a text
//! durably. After that same transaction and the webhook's answer, the reply is sent to the Twilio
//! API at that address (`--account-sid`, the token as password; a keep-alive client, as smsflow's)
//! and marked sent with the provider's id in a second transaction. What smsflow does beyond it
//! (conversations, leases, the agent's turn, runs, contacts, the inbox's search) is what the
//! pipeline's ratio to the floor measures. A failed send is reported and left queued (no retry).
//! The floor writes as smsflow does, the jobs waiting together: on SQLite in one transaction, on
//! PostgreSQL one statement for each kind of job (storing, marking sent).
//!
//! With `--stored-first` too, the floor keeps smsflow's rule that a text is stored before anything
//! else is done with it: the webhook's transaction stores the text alone; then the text is matched,
//! marked processed and its reply queued in a second transaction, and the reply is sent and marked
//! sent in a third. A server that stores first can find a text it stopped before processing (by
//! its status) instead of losing it with the request that carried it (this one does not look, as
//! the floor does not retry a failed send); the floor decides before it stores. This is the least a
//! server must do to answer durably by smsflow's rules.
//!
//! ```text
//! smsflow-limit --listen 127.0.0.1:18331 --public-url http://127.0.0.1:18331 --token TOKEN \
//!   --database sqlite:///tmp/limit.db        (or postgres://user@host:port/db)
//!   [--send-to http://127.0.0.1:18332 --account-sid AC... [--stored-first]]
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
/// The most jobs the floor's SQLite writer puts in one transaction, as smsflow's writer.
const FLOOR_GROUP: usize = 128;
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
    send_to: Option<String>,
    account_sid: String,
    stored_first: bool,
}

fn parse_args() -> Args {
    let mut args = Args {
        listen: "127.0.0.1:18331".into(),
        public_url: String::new(),
        token: String::new(),
        database: String::new(),
        send_to: None,
        account_sid: String::new(),
        stored_first: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--stored-first" {
            args.stored_first = true;
            continue;
        }
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => args.listen = value,
            "--public-url" => args.public_url = value,
            "--token" => args.token = value,
            "--database" => args.database = value,
            "--send-to" => args.send_to = Some(value),
            "--account-sid" => args.account_sid = value,
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(!args.token.is_empty(), "--token is required");
    assert!(
        args.send_to.is_none() || !args.account_sid.is_empty(),
        "--send-to needs --account-sid"
    );
    assert!(
        args.send_to.is_some() || !args.stored_first,
        "--stored-first needs --send-to"
    );
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

type Done<T> = tokio::sync::oneshot::Sender<Result<T, String>>;

/// What the SQLite writer thread is asked to do (the limit: each in a transaction of its own; the
/// floor: grouped, see `sqlite_writer`).
enum Job {
    /// Store a text and its reply; answered with the reply's row id.
    Store(Inbound, Done<Option<i64>>),
    /// Mark a stored text processed and queue its reply (`--stored-first`); answered with the
    /// reply's row id, none when the text was processed already.
    Process(Inbound, Done<Option<i64>>),
    /// Mark a reply sent with the provider's id.
    MarkSent(i64, String, Done<()>),
}

/// A PostgreSQL connection and the statement that stores a text and its reply.
struct PgConnection {
    client: tokio_postgres::Client,
    store: tokio_postgres::Statement,
}

enum Database {
    /// A writer that puts the jobs waiting in one transaction (SQLite's thread) or one statement
    /// per kind (PostgreSQL's tasks, the floor's), as smsflow does.
    Writer(JobQueue),
    /// Each text's statement sent as it comes (the limit on PostgreSQL, which stores only).
    Postgres {
        connections: Vec<PgConnection>,
        next: AtomicUsize,
    },
}

enum JobQueue {
    /// SQLite's writer thread.
    Thread(std::sync::mpsc::Sender<Job>),
    /// PostgreSQL's writer tasks.
    Tasks(tokio::sync::mpsc::UnboundedSender<Job>),
}

impl JobQueue {
    /// False when the writer is gone.
    fn send(&self, job: Job) -> bool {
        match self {
            JobQueue::Thread(queue) => queue.send(job).is_ok(),
            JobQueue::Tasks(queue) => queue.send(job).is_ok(),
        }
    }
}

/// The floor's way to the Twilio API.
struct Sender {
    client: reqwest::Client,
    /// `{base}/2010-04-01/Accounts/{sid}/Messages.json`
    url: String,
    account_sid: String,
}

struct App {
    /// The URL Twilio signs: our public URL and the webhook's path.
    url: String,
    token: String,
    keywords: regex::Regex,
    database: Database,
    sender: Option<Sender>,
    /// Each text stored alone, then processed apart (`--stored-first`).
    stored_first: bool,
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

    /// Stores the text and its reply in one transaction; the reply's row id when one is queued.
    async fn store(&self, inbound: Inbound) -> Result<Option<i64>, String> {
        match &self.database {
            Database::Writer(queue) => on_writer(queue, |done| Job::Store(inbound, done)).await,
            Database::Postgres { connections, next } => {
                let pg = next_connection(connections, next);
                pg.client
                    .query_opt(
                        &pg.store,
                        &[
                            &inbound.sid,
                            &inbound.from,
                            &inbound.to,
                            &inbound.body,
                            &inbound.reply,
                        ],
                    )
                    .await
                    .map(|row| row.map(|row| row.get(0)))
                    .map_err(|error| error.to_string())
            }
        }
    }

    /// Marks a stored text processed and queues its reply in one transaction; the reply's row id
    /// when one is queued.
    async fn process(&self, text: Inbound) -> Result<Option<i64>, String> {
        on_writer(self.writer(), |done| Job::Process(text, done)).await
    }

    async fn mark_sent(&self, id: i64, provider_id: String) -> Result<(), String> {
        on_writer(self.writer(), |done| Job::MarkSent(id, provider_id, done)).await
    }

    /// The floor's writer: whatever sends, writes through one.
    fn writer(&self) -> &JobQueue {
        match &self.database {
            Database::Writer(queue) => queue,
            Database::Postgres { .. } => unreachable!("the floor writes through a writer"),
        }
    }

    /// The floor: the reply sent to the Twilio API, then marked sent.
    async fn send(&self, id: i64, to: String, from: String, body: &str) -> Result<(), String> {
        let sender = self.sender.as_ref().expect("only the floor sends");
        let response = sender
            .client
            .post(&sender.url)
            .basic_auth(&sender.account_sid, Some(&self.token))
            .form(&[("To", to.as_str()), ("From", from.as_str()), ("Body", body)])
            .send()
            .await
            .map_err(|error| error.to_string())?;
        if !response.status().is_success() {
            return Err(format!("the Twilio API answered {}", response.status()));
        }
        let answer = response.text().await.map_err(|error| error.to_string())?;
        let provider_id = answer
            .split_once(r#""sid":""#)
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(sid, _)| sid.to_string())
            .ok_or_else(|| format!("no sid in the Twilio API's answer: {answer}"))?;
        self.mark_sent(id, provider_id).await
    }

    /// `--stored-first`, after the text's own transaction: matched, marked processed with its
    /// reply queued, then the reply sent and marked sent.
    async fn answer_stored(&self, mut inbound: Inbound) -> Result<(), String> {
        inbound.reply = self.reply(&inbound.body);
        let (texter, our_number, reply) = (inbound.from.clone(), inbound.to.clone(), inbound.reply);
        match (self.process(inbound).await?, reply) {
            (Some(id), Some(reply)) => self.send(id, texter, our_number, reply).await,
            _ => Ok(()),
        }
    }
}

/// The statements are spread over the connections in turn.
fn next_connection<'a>(connections: &'a [PgConnection], next: &AtomicUsize) -> &'a PgConnection {
    &connections[next.fetch_add(1, Ordering::Relaxed) % connections.len()]
}

/// Runs a job on the writer and waits for its answer.
async fn on_writer<T>(queue: &JobQueue, job: impl FnOnce(Done<T>) -> Job) -> Result<T, String> {
    let (done, answer) = tokio::sync::oneshot::channel();
    let gone = || "the writer is gone".to_string();
    if !queue.send(job(done)) {
        return Err(gone());
    }
    answer.await.map_err(|_| gone())?
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
    // Stored first: the text alone now, and processed once it is stored.
    let stored_text = app.stored_first.then(|| Inbound {
        sid: sid.clone(),
        from: from.clone(),
        to: to.clone(),
        body: text.clone(),
        reply: None,
    });
    let reply = if app.stored_first {
        None
    } else {
        app.reply(&text)
    };
    // The floor's reply goes back to the texter, from the number they texted (stored first, the
    // stored text carries them).
    let reply_addresses =
        (app.sender.is_some() && !app.stored_first).then(|| (from.clone(), to.clone()));
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
        Ok(queued) => {
            if let Some(stored_text) = stored_text {
                let app = app.clone();
                tokio::spawn(async move {
                    let sid = stored_text.sid.clone();
                    if let Err(error) = app.answer_stored(stored_text).await {
                        eprintln!("text {sid} not answered: {error}");
                    }
                });
            } else if let (Some(id), Some(reply), Some((texter, our_number))) =
                (queued, reply, reply_addresses)
            {
                let app = app.clone();
                tokio::spawn(async move {
                    if let Err(error) = app.send(id, texter, our_number, reply).await {
                        eprintln!("reply {id} not sent: {error}");
                    }
                });
            }
            (
                [(header::CONTENT_TYPE, "text/xml")],
                "<Response></Response>",
            )
                .into_response()
        }
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error).into_response(),
    }
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY, message_sid TEXT UNIQUE, direction TEXT NOT NULL, from_number TEXT NOT NULL,
    to_number TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL, provider_sid TEXT,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)";

/// The SQLite writer, on a thread of its own (named as smsflow's, so that bench/side_by_side.sh
/// measures its CPU too): the jobs waiting when it starts a transaction, up to `group`, share it,
/// each in a savepoint, and are answered once it is committed. The limit writes one text per
/// transaction (`group` 1), as the issue defines it; the floor groups as smsflow's writer does.
/// Each commit is synced to disk before it is answered (synchronous FULL), as smsflow's are, so
/// that every server compared keeps what it acknowledged through a power cut.
fn sqlite_writer(path: &str, group: usize) -> JobQueue {
    let connection = rusqlite::Connection::open(path).expect("the SQLite database opens");
    connection
        .execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; {SCHEMA};"
        ))
        .expect("the schema is created");
    let (queue, jobs) = std::sync::mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || {
            let mut connection = connection;
            for first in jobs.iter() {
                let mut batch = vec![first];
                while batch.len() < group {
                    let Ok(job) = jobs.try_recv() else { break };
                    batch.push(job);
                }
                write_group(&mut connection, batch);
            }
        })
        .expect("the writer thread starts");
    JobQueue::Thread(queue)
}

/// A job done, its answer held until the transaction commits.
enum Answer {
    Stored(Done<Option<i64>>, rusqlite::Result<Option<i64>>),
    Marked(Done<()>, rusqlite::Result<()>),
}

impl Answer {
    fn failed(&self) -> bool {
        matches!(self, Answer::Stored(_, Err(_)) | Answer::Marked(_, Err(_)))
    }
}

fn write_job(db: &rusqlite::Connection, job: Job) -> Answer {
    match job {
        Job::Store(inbound, done) => Answer::Stored(done, sqlite_store(db, &inbound)),
        Job::Process(inbound, done) => Answer::Stored(done, sqlite_process(db, &inbound)),
        Job::MarkSent(id, provider_id, done) => {
            let marked = db
                .prepare_cached(
                    "UPDATE messages SET status = 'sent', provider_sid = ?2 WHERE id = ?1",
                )
                .and_then(|mut update| update.execute((id, &provider_id)))
                .map(drop);
            Answer::Marked(done, marked)
        }
    }
}

/// A job alone in its transaction needs no savepoint (the limit's case): if it fails, nothing
/// is committed.
fn write_group(connection: &mut rusqlite::Connection, mut batch: Vec<Job>) {
    let mut answers = Vec::with_capacity(batch.len());
    let committed = (|| {
        let mut tx = connection.transaction()?;
        if batch.len() == 1 {
            let answer = write_job(&tx, batch.remove(0));
            let failed = answer.failed();
            answers.push(answer);
            return if failed { tx.rollback() } else { tx.commit() };
        }
        for job in batch {
            let mut savepoint = tx.savepoint()?;
            let answer = write_job(&savepoint, job);
            if answer.failed() {
                savepoint.rollback()?;
            }
            savepoint.commit()?;
            answers.push(answer);
        }
        tx.commit()
    })();
    // Nothing is answered as written before its transaction is committed.
    let not_committed = committed.err().map(|error| error.to_string());
    for done in answers {
        match done {
            Answer::Stored(done, stored) => drop(done.send(answered(stored, &not_committed))),
            Answer::Marked(done, marked) => drop(done.send(answered(marked, &not_committed))),
        }
    }
}

fn answered<T>(result: rusqlite::Result<T>, not_committed: &Option<String>) -> Result<T, String> {
    match not_committed {
        Some(error) => Err(error.clone()),
        None => result.map_err(|error| error.to_string()),
    }
}

fn sqlite_store(tx: &rusqlite::Connection, inbound: &Inbound) -> rusqlite::Result<Option<i64>> {
    let stored = tx
        .prepare_cached(
            "INSERT INTO messages (message_sid, direction, from_number, to_number, body, status) \
             VALUES (?1, 'inbound', ?2, ?3, ?4, 'received') ON CONFLICT (message_sid) DO NOTHING",
        )?
        .execute((&inbound.sid, &inbound.from, &inbound.to, &inbound.body))?;
    queue_reply_of(tx, stored, inbound)
}

/// Marks the stored text processed and queues its reply, once: a text processed already (its
/// delivery repeated) queues nothing.
fn sqlite_process(tx: &rusqlite::Connection, text: &Inbound) -> rusqlite::Result<Option<i64>> {
    let processed = tx
        .prepare_cached(
            "UPDATE messages SET status = 'processed' WHERE message_sid = ?1 AND status = 'received'",
        )?
        .execute([&text.sid])?;
    queue_reply_of(tx, processed, text)
}

/// Queues `text`'s reply, if it has one, when it was `written` (1: stored or processed now).
fn queue_reply_of(
    tx: &rusqlite::Connection,
    written: usize,
    text: &Inbound,
) -> rusqlite::Result<Option<i64>> {
    let (1, Some(reply)) = (written, text.reply) else {
        return Ok(None);
    };
    tx.prepare_cached(
        "INSERT INTO messages (direction, from_number, to_number, body, status) \
         VALUES ('outbound', ?1, ?2, ?3, 'queued')",
    )?
    .execute((&text.to, &text.from, reply))?;
    Ok(Some(tx.last_insert_rowid()))
}

/// A connection to `url`; the first one made (`create_schema`) creates the table.
async fn pg_connect(url: &str, create_schema: bool) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL is reachable");
    tokio::spawn(async move { connection.await.expect("the PostgreSQL connection holds") });
    if create_schema {
        client
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS messages (id BIGSERIAL PRIMARY KEY, message_sid TEXT UNIQUE, \
                 direction TEXT NOT NULL, from_number TEXT NOT NULL, to_number TEXT NOT NULL, body TEXT NOT NULL, \
                 status TEXT NOT NULL, provider_sid TEXT, created_at TIMESTAMPTZ NOT NULL DEFAULT now())",
            )
            .await
            .expect("the schema is created");
    }
    client
}

/// Each reply's id is drawn first, so that the statement can answer which text's reply it is.
/// A text stored before (or twice in the group) queues no reply; nor does one without a reply.
const STORE_GROUP: &str = "WITH t AS (SELECT u.*, nextval(pg_get_serial_sequence('messages', 'id')) AS reply_id \
     FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(sid, from_number, to_number, body, reply)), \
     inbound AS (INSERT INTO messages (message_sid, direction, from_number, to_number, body, status) \
     SELECT sid, 'inbound', from_number, to_number, body, 'received' FROM t \
     ON CONFLICT (message_sid) DO NOTHING RETURNING message_sid), \
     outbound AS (INSERT INTO messages (id, direction, from_number, to_number, body, status) \
     SELECT DISTINCT ON (t.sid) t.reply_id, 'outbound', t.to_number, t.from_number, t.reply, 'queued' \
     FROM t JOIN inbound i ON i.message_sid = t.sid WHERE t.reply IS NOT NULL RETURNING id) \
     SELECT t.sid, o.id FROM t JOIN outbound o ON o.id = t.reply_id";

/// As `STORE_GROUP`, for texts stored already: a text processed before queues no reply.
const PROCESS_GROUP: &str = "WITH t AS (SELECT u.*, nextval(pg_get_serial_sequence('messages', 'id')) AS reply_id \
     FROM UNNEST($1::text[], $2::text[]) AS u(sid, reply)), \
     processed AS (UPDATE messages m SET status = 'processed' FROM t \
     WHERE m.message_sid = t.sid AND m.status = 'received' RETURNING m.message_sid, m.from_number, m.to_number), \
     outbound AS (INSERT INTO messages (id, direction, from_number, to_number, body, status) \
     SELECT DISTINCT ON (t.sid) t.reply_id, 'outbound', p.to_number, p.from_number, t.reply, 'queued' \
     FROM t JOIN processed p ON p.message_sid = t.sid WHERE t.reply IS NOT NULL RETURNING id) \
     SELECT t.sid, o.id FROM t JOIN outbound o ON o.id = t.reply_id";

const MARK_SENT_GROUP: &str = "UPDATE messages m SET status = 'sent', provider_sid = s.provider_sid \
     FROM UNNEST($1::bigint[], $2::text[]) AS s(id, provider_sid) WHERE m.id = s.id";

/// The limit's: each text's statement pipelined over the connections.
async fn postgres(url: &str) -> Database {
    let mut connections = Vec::new();
    for at in 0..PG_CONNECTIONS {
        let client = pg_connect(url, at == 0).await;
        let store = client
            .prepare(
                "WITH inbound AS (INSERT INTO messages (message_sid, direction, from_number, to_number, body, status) \
                 VALUES ($1, 'inbound', $2, $3, $4, 'received') ON CONFLICT (message_sid) DO NOTHING RETURNING 1) \
                 INSERT INTO messages (direction, from_number, to_number, body, status) \
                 SELECT 'outbound', $3, $2, $5, 'queued' FROM inbound WHERE $5::text IS NOT NULL RETURNING id",
            )
            .await
            .expect("the statement prepares");
        connections.push(PgConnection { client, store });
    }
    Database::Postgres {
        connections,
        next: AtomicUsize::new(0),
    }
}

/// A floor's connection and its statements, each taking arrays in step.
struct PgWriter {
    client: tokio_postgres::Client,
    store: tokio_postgres::Statement,
    process: tokio_postgres::Statement,
    mark_sent: tokio_postgres::Statement,
}

/// The floor's: a task on each connection takes the jobs waiting (up to `FLOOR_GROUP`) and
/// writes each kind in one statement, as smsflow's intake and workers write their batches.
async fn postgres_writers(url: &str) -> Database {
    let (queue, jobs) = tokio::sync::mpsc::unbounded_channel::<Job>();
    let jobs = Arc::new(tokio::sync::Mutex::new(jobs));
    for at in 0..PG_CONNECTIONS {
        let client = pg_connect(url, at == 0).await;
        let prepare = |text| client.prepare(text);
        let (store, process, mark_sent) = tokio::try_join!(
            prepare(STORE_GROUP),
            prepare(PROCESS_GROUP),
            prepare(MARK_SENT_GROUP)
        )
        .expect("the statements prepare");
        let pg = PgWriter {
            client,
            store,
            process,
            mark_sent,
        };
        let jobs = Arc::clone(&jobs);
        tokio::spawn(async move {
            loop {
                let mut group = Vec::new();
                {
                    let mut jobs = jobs.lock().await;
                    let Some(first) = jobs.recv().await else {
                        return;
                    };
                    group.push(first);
                    while group.len() < FLOOR_GROUP {
                        let Ok(job) = jobs.try_recv() else { break };
                        group.push(job);
                    }
                }
                write_postgres_group(&pg, group).await;
            }
        });
    }
    Database::Writer(JobQueue::Tasks(queue))
}

/// One statement for each kind of job in `group`. A statement that fails fails its jobs (the
/// floor retries nothing).
async fn write_postgres_group(pg: &PgWriter, group: Vec<Job>) {
    let (mut stores, mut processes, mut marks) = (Vec::new(), Vec::new(), Vec::new());
    for job in group {
        match job {
            Job::Store(text, done) => stores.push((text, done)),
            Job::Process(text, done) => processes.push((text, done)),
            Job::MarkSent(id, provider_id, done) => marks.push((id, provider_id, done)),
        }
    }
    if !stores.is_empty() {
        let column =
            |field: fn(&Inbound) -> &str| stores.iter().map(|(t, _)| field(t)).collect::<Vec<_>>();
        let replies: Vec<Option<&str>> = stores.iter().map(|(t, _)| t.reply).collect();
        let rows = pg
            .client
            .query(
                &pg.store,
                &[
                    &column(|t| &t.sid),
                    &column(|t| &t.from),
                    &column(|t| &t.to),
                    &column(|t| &t.body),
                    &replies,
                ],
            )
            .await;
        answer_replies(stores, rows);
    }
    if !processes.is_empty() {
        let sids: Vec<&str> = processes.iter().map(|(t, _)| t.sid.as_str()).collect();
        let replies: Vec<Option<&str>> = processes.iter().map(|(t, _)| t.reply).collect();
        let rows = pg.client.query(&pg.process, &[&sids, &replies]).await;
        answer_replies(processes, rows);
    }
    if !marks.is_empty() {
        let ids: Vec<i64> = marks.iter().map(|(id, _, _)| *id).collect();
        let provider_ids: Vec<&str> = marks.iter().map(|(_, p, _)| p.as_str()).collect();
        let marked = pg
            .client
            .execute(&pg.mark_sent, &[&ids, &provider_ids])
            .await
            .map(drop)
            .map_err(|error| error.to_string());
        for (_, _, done) in marks {
            drop(done.send(marked.clone()));
        }
    }
}

/// Answers each text with its reply's id from `rows` (text id, reply id): a text given twice,
/// only the first.
fn answer_replies(
    jobs: Vec<(Inbound, Done<Option<i64>>)>,
    rows: Result<Vec<tokio_postgres::Row>, tokio_postgres::Error>,
) {
    match rows {
        Ok(rows) => {
            let mut ids: std::collections::HashMap<String, i64> =
                rows.iter().map(|row| (row.get(0), row.get(1))).collect();
            for (text, done) in jobs {
                drop(done.send(Ok(ids.remove(&text.sid))));
            }
        }
        Err(error) => {
            let error = error.to_string();
            for (_, done) in jobs {
                drop(done.send(Err(error.clone())));
            }
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = parse_args();
    let database = match args.database.strip_prefix("sqlite://") {
        Some(path) => Database::Writer(sqlite_writer(
            path,
            if args.send_to.is_some() {
                FLOOR_GROUP
            } else {
                1
            },
        )),
        None if args.database.starts_with("postgres") && args.send_to.is_some() => {
            postgres_writers(&args.database).await
        }
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
        stored_first: args.stored_first,
        sender: args.send_to.map(|base| Sender {
            client: reqwest::Client::new(),
            url: format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                base.trim_end_matches('/'),
                args.account_sid
            ),
            account_sid: args.account_sid,
        }),
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
