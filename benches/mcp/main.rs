//! `keystep mcp` under a real MCP client (the official Python SDK, `tests/mcp/client.py`),
//! against the emulator: `list_people` through 1,000 Humaans people (ten pages of 100), each
//! call's time against the same page read straight from the emulator, so Keystep's own time
//! per call (server, proxy, mapping, field policy, use log, the client's JSON) shows; and the
//! server's start-up (process start to the end of the MCP handshake) and memory after the
//! calls. A benchmark, not a test: `scripts/bench.sh` runs it headless (the real keychain) and
//! `benches/keystep` puts what it writes (`KEYSTEP_BENCH_MCP_OUT`) into docs/benchmarks.md.
//!
//! `KEYSTEP_BENCH_APP` is the `keystep` binary (default: the dev build), `KEYSTEP_MCP_VENV` the
//! client's venv (default: deps.sh's), `KEYSTEP_BENCH_MCP_ROUNDS` the sessions (default 5; each
//! a fresh server, so each gives a start-up figure and stays within Humaans' pace).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use keystep_emulator::{Emulator, HumaansTenant};
use serde_json::{json, Value};

const TOKEN: &str = "BenchMcpHumaansToken000000000001";
const PEOPLE: u64 = 1_000;
const PAGE: u64 = 100;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

fn venv_python() -> PathBuf {
    let venv = std::env::var_os("KEYSTEP_MCP_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/keystep/mcp-venv")
        });
    venv.join("bin/python")
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = std::env::var_os("KEYSTEP_BENCH_APP").map_or_else(
        || {
            PathBuf::from(std::env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| "target".into()))
                .join("debug/keystep")
        },
        PathBuf::from,
    );
    let python = venv_python();
    let rounds: usize = std::env::var("KEYSTEP_BENCH_MCP_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let emu = Emulator::start();
    emu.add_humaans(TOKEN, HumaansTenant::full("Bench Ltd", PEOPLE));
    let home = tempfile::tempdir().expect("a folder");
    let data = home.path().join("data");
    let mut env: Vec<(String, String)> = emu.env();
    env.push(("XDG_DATA_HOME".into(), data.display().to_string()));
    for name in ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"] {
        if let Ok(v) = std::env::var(name) {
            env.push((name.into(), v));
        }
    }
    // Link the account as a person would.
    let mut link = Command::new(&bin)
        .args(["link", "humaans", "--json"])
        .envs(env.iter().cloned())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("keystep link starts");
    link.stdin
        .take()
        .expect("stdin")
        .write_all(format!("api_token={TOKEN}\n").as_bytes())
        .expect("the key is given");
    let linked = link.wait_with_output().expect("keystep link ends");
    assert!(
        linked.status.success(),
        "linked: {}",
        String::from_utf8_lossy(&linked.stderr)
    );
    let handle = serde_json::from_slice::<Value>(
        linked
            .stdout
            .split(|b| *b == b'\n')
            .rfind(|l| !l.is_empty())
            .unwrap_or_default(),
    )
    .ok()
    .and_then(|v| v["handle"].as_str().map(str::to_string))
    .expect("the account's handle");

    let pages = PEOPLE.div_ceil(PAGE) as usize;
    let mut calls = vec![json!({"tool": "list_people", "args": {"account": handle}})];
    for i in 1..pages {
        calls.push(json!({"tool": "list_people", "args": {"account": handle},
                          "from": {"cursor": [i - 1, "next_cursor"]}}));
    }
    let plan = json!({
        "command": bin.display().to_string(),
        "args": ["mcp", "--account", handle],
        "env": env.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<String, Value>>(),
        "client_name": "Keystep benchmark",
        "calls": calls,
        "measure_server": true,
    });
    let (mut call_ms, mut start_ms, mut rss, mut peak) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut people = 0;
    for _ in 0..rounds {
        let mut client = Command::new(&python)
            .arg(root.join("tests/mcp/client.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the MCP client starts");
        client
            .stdin
            .take()
            .expect("stdin")
            .write_all(plan.to_string().as_bytes())
            .expect("the plan");
        let out = client.wait_with_output().expect("the client ends");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out: Value = serde_json::from_slice(&out.stdout).expect("the client's JSON");
        people = 0;
        for r in out["results"].as_array().expect("results") {
            assert_eq!(r["is_error"], false, "a page answered: {r}");
            people += r["structured"]["people"].as_array().map_or(0, Vec::len);
            call_ms.push(r["seconds"].as_f64().expect("seconds") * 1000.0);
        }
        start_ms.push(out["initialized_s"].as_f64().expect("start-up") * 1000.0);
        rss.push(out["server_rss_kib"].as_f64().unwrap_or(f64::NAN) / 1024.0);
        peak.push(out["server_peak_kib"].as_f64().unwrap_or(f64::NAN) / 1024.0);
    }
    // The same pages straight from the emulator: the provider's own time.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let client = reqwest::Client::new();
    let mut direct_ms = Vec::new();
    for _ in 0..rounds {
        for page in 0..pages as u64 {
            let url = format!(
                "{}/people?$limit={PAGE}&$skip={}",
                emu.url("humaans", "api"),
                page * PAGE
            );
            let started = Instant::now();
            runtime.block_on(async {
                let r = client
                    .get(&url)
                    .bearer_auth(TOKEN)
                    .send()
                    .await
                    .expect("the emulator answers");
                let body = r.bytes().await.expect("the body");
                let _: Value = serde_json::from_slice(&body).expect("JSON");
            });
            direct_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let (call, direct) = (median(&mut call_ms), median(&mut direct_ms));
    let section = format!(
        "### keystep mcp under the Python MCP client\n\n\
         `list_people` through {people} Humaans people on the emulator (no added latency), \
         {pages} pages of {PAGE}, {rounds} sessions, each a fresh server (debug or release as \
         `KEYSTEP_BENCH_APP` says: `{}`).\n\n\
         | what | median | p90 |\n|---|---|---|\n\
         | one `list_people` call, as the client sees it | {call:.1} ms | {:.1} ms |\n\
         | the same page straight from the emulator | {direct:.1} ms | {:.1} ms |\n\
         | Keystep's own time per call (the difference) | {:.1} ms | |\n\
         | ratio | {:.1}× | |\n\
         | start-up: process start to the end of the MCP handshake | {:.0} ms | {:.0} ms |\n\
         | the server's memory after 10 pages (VmRSS; peak VmHWM) | {:.1} MiB ({:.1} MiB) | |\n",
        bin.display(),
        percentile(&mut call_ms, 0.9),
        percentile(&mut direct_ms, 0.9),
        call - direct,
        call / direct,
        median(&mut start_ms),
        percentile(&mut start_ms, 0.9),
        median(&mut rss),
        median(&mut peak),
    );
    print!("{section}");
    if let Some(path) = std::env::var_os("KEYSTEP_BENCH_MCP_OUT") {
        std::fs::write(path, &section).expect("the section is written");
    }
}
