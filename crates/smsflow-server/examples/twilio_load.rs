//! Load generator for `POST /webhooks/twilio/sms`, used by `bench/twilio_load.sh`.
//!
//! It pre-signs N distinct inbound-SMS webhooks exactly as Twilio does (HMAC-SHA1 of the public URL
//! plus the sorted form parameters, the same `smsflow_sms::twilio::signature` the server checks
//! with), fires them with bounded concurrency, and reports messages/s and latency percentiles. It
//! also serves a fast stand-in for Twilio's Messages API (`--upstream-port`): every reply smsflow
//! sends lands there, so after the run it waits (at most `--wait-secs`) until each of the N senders
//! got its reply, and counts senders left unanswered and senders answered more than once. With
//! `--times FILE` it writes each sender's number and the wall-clock time its webhook request started
//! (`+1999...,<unix µs>`), for the script to measure request-to-queued-reply time from the database.
//! It also reports the replies sent in each whole second after the first webhook, and the slowest
//! such second between the first reply and the last (a burst's dips); `--reply-rates FILE` writes
//! the whole series (`second,replies`).
//! `--first-sender N` numbers the senders from N (default 0), so that a second run (a warm-up
//! before it) texts from numbers of its own.
//! With `--no-replies` it reports the webhooks alone, for a server that sends no replies
//! (bench/side_by_side.sh: the limit, smsflow with processing turned off).
//!
//! ```text
//! cargo run --release -p smsflow-server --example twilio_load -- \
//!   --url http://127.0.0.1:18321 --token TOKEN --count 20000 --concurrency 64 --upstream-port 18322
//! ```
//! The last line of its output is a JSON summary.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Args {
    url: String,
    token: String,
    account_sid: String,
    count: usize,
    /// The first sender's number is `+1999` and this, in 7 digits.
    first_sender: usize,
    concurrency: usize,
    upstream_port: u16,
    wait_secs: u64,
    run: String,
    times: Option<String>,
    reply_rates: Option<String>,
    /// The server sends no replies: do not wait for any.
    no_replies: bool,
}

fn parse_args() -> Args {
    let mut args = Args {
        url: "http://127.0.0.1:18321".into(),
        token: String::new(),
        account_sid: format!("AC{}", "0123456789abcdef".repeat(2)),
        count: 10_000,
        first_sender: 0,
        concurrency: 64,
        upstream_port: 18322,
        wait_secs: 300,
        run: format!("{:08x}", std::process::id()),
        times: None,
        reply_rates: None,
        no_replies: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--no-replies" {
            args.no_replies = true;
            continue;
        }
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => args.url = value(),
            "--token" => args.token = value(),
            "--account-sid" => args.account_sid = value(),
            "--count" => args.count = value().parse().expect("--count N"),
            "--first-sender" => args.first_sender = value().parse().expect("--first-sender N"),
            "--concurrency" => args.concurrency = value().parse().expect("--concurrency N"),
            "--upstream-port" => args.upstream_port = value().parse().expect("--upstream-port P"),
            "--wait-secs" => args.wait_secs = value().parse().expect("--wait-secs S"),
            "--run" => args.run = value(),
            "--times" => args.times = Some(value()),
            "--reply-rates" => args.reply_rates = Some(value()),
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(!args.token.is_empty(), "--token is required");
    assert!(
        args.count > 0 && args.first_sender + args.count <= 10_000_000,
        "--count (and --first-sender) out of range: the senders' numbers have 7 digits"
    );
    args
}

/// What the stand-in Twilio API saw: the `To` of each reply, when it arrived.
#[derive(Default)]
struct Upstream {
    replies: Mutex<HashMap<String, Vec<Instant>>>,
    total: AtomicUsize,
}

async fn create_message(State(upstream): State<Arc<Upstream>>, body: String) -> impl IntoResponse {
    let to = form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "To")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let n = upstream.total.fetch_add(1, Ordering::Relaxed);
    upstream
        .replies
        .lock()
        .unwrap()
        .entry(to)
        .or_default()
        .push(Instant::now());
    (
        StatusCode::CREATED,
        [("content-type", "application/json")],
        format!(r#"{{"sid":"SM{n:032x}","status":"queued"}}"#),
    )
}

/// When a request started: monotonic for latencies, wall clock for `--times`.
type Started = (Instant, std::time::SystemTime);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Replies that reached the stand-in API in each whole second since `started`.
fn replies_per_second(replies: &HashMap<String, Vec<Instant>>, started: Instant) -> Vec<usize> {
    let mut per_second = Vec::new();
    for at in replies.values().flatten() {
        let second = at.saturating_duration_since(started).as_secs() as usize;
        if per_second.len() <= second {
            per_second.resize(second + 1, 0);
        }
        per_second[second] += 1;
    }
    per_second
}

/// The whole seconds between the one with the first reply and the one with the last (both
/// partial, left out), as (second, replies).
fn whole_seconds(per_second: &[usize]) -> Vec<(usize, usize)> {
    let (Some(first), Some(last)) = (
        per_second.iter().position(|&n| n > 0),
        per_second.iter().rposition(|&n| n > 0),
    ) else {
        return Vec::new();
    };
    (first + 1..last)
        .map(|second| (second, per_second[second]))
        .collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = parse_args();
    let upstream = Arc::new(Upstream::default());
    let app = Router::new()
        .route(
            "/2010-04-01/Accounts/{sid}/Messages.json",
            post(create_message),
        )
        .with_state(upstream.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.upstream_port))
        .await
        .expect("the upstream port is free");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("upstream serves") });

    // Pre-sign every request: distinct senders (so the per-number loop guard never applies),
    // distinct MessageSids, bodies that match the example "Lead capture" workflow.
    let url = format!("{}/webhooks/twilio/sms", args.url.trim_end_matches('/'));
    let to = "+15559870000";
    let numbers: Vec<String> = (args.first_sender..args.first_sender + args.count)
        .map(|i| format!("+1999{i:07}"))
        .collect();
    let requests: Arc<Vec<(String, Vec<u8>)>> = Arc::new(
        numbers
            .iter()
            .enumerate()
            .map(|(i, from)| {
                let sid = format!("SM{:0>16}{i:016x}", args.run);
                let params: Vec<(String, String)> = [
                    ("MessageSid", sid.as_str()),
                    ("SmsSid", sid.as_str()),
                    ("AccountSid", args.account_sid.as_str()),
                    ("From", from.as_str()),
                    ("To", to),
                    ("Body", &format!("Hi, can I get a quote for {i} rooms?")),
                    ("NumMedia", "0"),
                    ("NumSegments", "1"),
                    ("SmsStatus", "received"),
                    ("ApiVersion", "2010-04-01"),
                ]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
                let signature = smsflow_sms::twilio::signature(&args.token, &url, &params);
                let body = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&params)
                    .finish();
                (signature, body.into_bytes())
            })
            .collect(),
    );

    // Installs the process's TLS crypto provider, which reqwest needs even for plain HTTP.
    drop(smsflow_sms::http_client());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client");
    let next = Arc::new(AtomicUsize::new(0));
    let sent_at: Arc<Mutex<Vec<Option<Started>>>> = Arc::new(Mutex::new(vec![None; args.count]));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency.max(1) {
        let (client, url, requests, next, sent_at) = (
            client.clone(),
            url.clone(),
            requests.clone(),
            next.clone(),
            sent_at.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors: HashMap<String, usize> = HashMap::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests.len() {
                    break;
                }
                let (signature, body) = &requests[i];
                let t0 = Instant::now();
                sent_at.lock().unwrap()[i] = Some((t0, std::time::SystemTime::now()));
                let result = client
                    .post(&url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("x-twilio-signature", signature)
                    .body(body.clone())
                    .send()
                    .await;
                match result {
                    Ok(response) => {
                        let status = response.status();
                        let _ = response.bytes().await;
                        latencies.push(t0.elapsed());
                        if status != StatusCode::OK {
                            *errors.entry(format!("HTTP {status}")).or_default() += 1;
                        }
                    }
                    Err(error) => {
                        latencies.push(t0.elapsed());
                        *errors
                            .entry(format!("{:?}", error.to_string()))
                            .or_default() += 1;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::with_capacity(args.count);
    let mut errors: HashMap<String, usize> = HashMap::new();
    for worker in workers {
        let (l, e) = worker.await.expect("a load worker");
        latencies.extend(l);
        for (k, v) in e {
            *errors.entry(k).or_default() += v;
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let rate = args.count as f64 / elapsed.as_secs_f64();
    let failed: usize = errors.values().sum();
    println!(
        "inbound: {} webhooks in {:.2} s = {:.0} msgs/s, concurrency {}; latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms; non-200: {failed} {errors:?}",
        args.count,
        elapsed.as_secs_f64(),
        rate,
        args.concurrency,
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 90.0)),
        ms(percentile(&latencies, 99.0)),
        ms(percentile(&latencies, 100.0)),
    );

    let mut summary = serde_json::json!({
        "count": args.count,
        "concurrency": args.concurrency,
        "seconds": elapsed.as_secs_f64(),
        "msgs_per_s": rate,
        "p50_ms": ms(percentile(&latencies, 50.0)),
        "p99_ms": ms(percentile(&latencies, 99.0)),
        "non_200": failed,
    });
    if args.no_replies {
        println!("{summary}");
        std::process::exit(i32::from(failed > 0));
    }
    // Every sender must get its reply, once.
    let deadline = Instant::now() + Duration::from_secs(args.wait_secs);
    let mut last_report = Instant::now();
    loop {
        let seen = upstream.replies.lock().unwrap().len();
        if seen >= args.count || Instant::now() > deadline {
            break;
        }
        if last_report.elapsed() > Duration::from_secs(5) {
            println!("waiting for replies: {seen} of {}", args.count);
            last_report = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let all_replied = started.elapsed();
    // A duplicate would show up shortly after: give it a moment.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let replies = upstream.replies.lock().unwrap();
    let sent_at = sent_at.lock().unwrap();
    let mut unanswered = 0usize;
    let mut duplicated = 0usize;
    let mut end_to_end = Vec::with_capacity(args.count);
    for (i, number) in numbers.iter().enumerate() {
        match replies.get(number) {
            None => unanswered += 1,
            Some(times) => {
                if times.len() > 1 {
                    duplicated += 1;
                }
                if let Some((t0, _)) = sent_at[i] {
                    end_to_end.push(times[0].saturating_duration_since(t0));
                }
            }
        }
    }
    if let Some(path) = &args.times {
        let lines: String = numbers
            .iter()
            .zip(sent_at.iter())
            .filter_map(|(number, at)| {
                let wall = at.as_ref()?.1.duration_since(std::time::UNIX_EPOCH).ok()?;
                Some(format!("{number},{}\n", wall.as_micros()))
            })
            .collect();
        std::fs::write(path, lines).expect("the --times file is writable");
    }
    let unexpected = replies.keys().filter(|n| !n.starts_with("+1999")).count();
    end_to_end.sort();
    let per_second = replies_per_second(&replies, started);
    if let Some(path) = &args.reply_rates {
        let lines: String = per_second
            .iter()
            .enumerate()
            .map(|(second, n)| format!("{second},{n}\n"))
            .collect();
        std::fs::write(path, lines).expect("the --reply-rates file is writable");
    }
    let whole = whole_seconds(&per_second);
    let slowest = whole.iter().min_by_key(|&&(_, replies)| replies).copied();
    match slowest {
        Some((second, replies)) => println!(
            "replies per second, from the first reply to the last: lowest {replies} in second {second} after the first webhook; below 500 in {} of {} whole seconds",
            whole.iter().filter(|&&(_, n)| n < 500).count(),
            whole.len(),
        ),
        None => println!("replies per second: too few whole seconds to tell"),
    }
    println!(
        "replies: {} of {} senders answered ({} requests) {:.2} s after the first webhook = {:.0} replies/s end to end; webhook-to-reply-sent p50 {:.1} ms, p99 {:.1} ms; unanswered {unanswered}, duplicated {duplicated}, unexpected {unexpected}",
        args.count - unanswered,
        args.count,
        upstream.total.load(Ordering::Relaxed),
        all_replied.as_secs_f64(),
        (args.count - unanswered) as f64 / all_replied.as_secs_f64(),
        ms(percentile(&end_to_end, 50.0)),
        ms(percentile(&end_to_end, 99.0)),
    );
    for (key, value) in [
        ("replies_seconds", all_replied.as_secs_f64().into()),
        ("reply_p50_ms", ms(percentile(&end_to_end, 50.0)).into()),
        ("reply_p99_ms", ms(percentile(&end_to_end, 99.0)).into()),
        ("replies_per_s_lowest", slowest.map(|(_, n)| n).into()),
        (
            "replies_per_s_lowest_at_s",
            slowest.map(|(second, _)| second).into(),
        ),
        ("unanswered", unanswered.into()),
        ("duplicated", duplicated.into()),
    ] {
        summary[key] = value;
    }
    println!("{summary}");
    if unanswered > 0 || duplicated > 0 || failed > 0 {
        std::process::exit(1);
    }
}
