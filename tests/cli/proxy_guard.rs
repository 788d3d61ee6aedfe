//! Who may use `keystep run`'s proxy, and what it lets through: a connection from another
//! user of the machine is closed unread even with the right token; a foreign `Host` is
//! refused; method-override headers and cookies never reach the provider; `--allow-write`
//! opens the plain writes only; a path a lenient server would read as a way up is refused;
//! refusals before the token are counted, never recorded one by one; a stored key goes
//! only to the hosts it was verified against; and idle connections, another user's or the
//! script's own, do not keep the script's request from being answered.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use keystep_cli::proxy::{Grant, GrantError};
use keystep_core::use_log::{UseLog, UseRecord, MAX_PATH};
use keystep_core::vault::Vault;
use keystep_emulator::{Emulator, HumaansTenant};

use crate::parts::{catalogue, hosts_for};
use crate::proxy::{authed, linked, raw_status_with, script, settings, token_of};

/// The uid the tests act as when they play another user of the machine.
const NOBODY: &str = "65534";

/// Whether this test may act as another user: root with `setpriv`. Under CI (which runs as
/// root) a skip would hide the proof, so it panics instead.
pub(crate) fn can_be_another_user() -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let setpriv = Command::new("setpriv").arg("--version").output().is_ok();
    assert!(
        (root && setpriv) || std::env::var("CI").as_deref() != Ok("true"),
        "the other-user tests run as root with setpriv (util-linux), as CI does"
    );
    if !(root && setpriv) {
        eprintln!("skipping: playing another user needs root and setpriv");
    }
    root && setpriv
}

/// `program` run as `nobody`, with no supplementary group.
pub(crate) fn as_nobody(program: &str) -> Command {
    let mut cmd = Command::new("setpriv");
    cmd.args([
        &format!("--reuid={NOBODY}"),
        &format!("--regid={NOBODY}"),
        "--clear-groups",
        program,
    ]);
    cmd
}

/// `curl` reading its request header from standard input, as Keystep's examples do.
fn curl_with_header(mut cmd: Command, url: &str, header: &str) -> std::process::Output {
    cmd.args([
        "-sS",
        "--max-time",
        "20",
        "-H",
        "@-",
        "-w",
        "\nstatus %{http_code}",
        url,
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("curl starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{header}\n").as_bytes())
        .expect("the header is written");
    child.wait_with_output().expect("curl ends")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_from_another_user_is_closed_unread_even_with_the_right_token() {
    if !can_be_another_user() {
        return;
    }
    let world = linked().await;
    let proxy = world.proxy(&["humaans"], settings()).await;
    let url = format!("{}/me", proxy.url("humaans", "api").expect("url"));
    let header = format!("Authorization: Bearer {}", token_of(&proxy, "humaans"));
    let (u, h) = (url.clone(), header.clone());
    let stranger =
        tokio::task::spawn_blocking(move || curl_with_header(as_nobody("/usr/bin/curl"), &u, &h))
            .await
            .expect("joined");
    let said = String::from_utf8_lossy(&stranger.stdout).into_owned();
    assert!(
        !stranger.status.success() && !said.contains("status 200") && !said.contains("email"),
        "another user, with the right token, gets no answer at all: {said} {}",
        String::from_utf8_lossy(&stranger.stderr)
    );
    assert!(
        world.emu.requests().is_empty(),
        "nothing reached the provider"
    );
    assert_eq!(proxy.strangers(), 1, "the connection was counted");
    assert_eq!(proxy.requests(), 0, "and never read as a request");
    let own =
        tokio::task::spawn_blocking(move || curl_with_header(Command::new("curl"), &url, &header))
            .await
            .expect("joined");
    assert!(
        String::from_utf8_lossy(&own.stdout).ends_with("status 200"),
        "the same request from the run's own user is answered: {}",
        String::from_utf8_lossy(&own.stdout)
    );
    assert_eq!(world.emu.requests().len(), 1, "and forwarded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_or_missing_host_is_refused_and_nothing_is_forwarded() {
    let world = linked().await;
    let proxy = world.proxy(&["humaans"], settings()).await;
    let head = format!(
        "GET /humaans/api/me HTTP/1.1\r\nAuthorization: Bearer {}",
        token_of(&proxy, "humaans")
    );
    let port = proxy.addr().port();
    for host in [
        "Host: evil.example".to_string(),
        format!("Host: evil.example:{port}"),
        "Host: 127.0.0.1".to_string(),
        format!("Host: 127.0.0.1:{port}\r\nHost: evil.example"),
        String::new(),
    ] {
        let (p, h, hd) = (&proxy, host.clone(), head.clone());
        let status = tokio::task::block_in_place(|| raw_status_with(p, &hd, &h));
        assert_eq!(status, 400, "{host:?} is not the proxy's own name");
    }
    assert!(world.emu.requests().is_empty(), "nothing was forwarded");
    for host in [
        format!("Host: 127.0.0.1:{port}"),
        format!("Host: localhost:{port}"),
    ] {
        let (p, h, hd) = (&proxy, host.clone(), head.clone());
        let status = tokio::task::block_in_place(|| raw_status_with(p, &hd, &h));
        assert_eq!(status, 200, "{host:?} is the proxy's own name");
    }
}

#[tokio::test]
async fn override_headers_and_cookies_never_reach_the_provider() {
    let world = linked().await;
    let proxy = world.proxy(&["humaans"], settings()).await;
    let answer = authed(&script(), &proxy, "humaans", reqwest::Method::GET, "/me")
        .header("X-HTTP-Method-Override", "DELETE")
        .header("X-Method-Override", "DELETE")
        .header("X-Original-URL", "/people/1")
        .header("X-Rewrite-URL", "/people/1")
        .header("Cookie", "session=stolen")
        .header("Accept", "application/json")
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), 200, "the read itself goes through");
    let got = world.emu.requests();
    assert_eq!(got.len(), 1, "forwarded once");
    let names: Vec<&str> = got[0].headers.keys().map(String::as_str).collect();
    for banned in [
        "x-http-method-override",
        "x-method-override",
        "x-original-url",
        "x-rewrite-url",
        "cookie",
    ] {
        assert!(!names.contains(&banned), "{banned} was dropped: {names:?}");
    }
    assert!(
        names.contains(&"accept"),
        "ordinary headers pass: {names:?}"
    );
}

#[tokio::test]
async fn allow_write_opens_the_plain_writes_only_and_read_only_refuses_a_method_field() {
    let world = linked().await;
    let client = script();
    let proxy = world.proxy(&["humaans"], settings()).await;
    let answer = authed(
        &client,
        &proxy,
        "humaans",
        reqwest::Method::GET,
        "/me?_method=DELETE",
    )
    .send()
    .await
    .expect("answered");
    assert_eq!(
        answer.status(),
        403,
        "a GET carrying a form-style method override is not a read"
    );
    proxy.stop().await;
    let mut s = settings();
    s.allow_write = true;
    let proxy = world.proxy(&["humaans"], s).await;
    for method in ["TRACE", "OPTIONS", "PROPFIND", "CONNECTX"] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let answer = authed(&client, &proxy, "humaans", m, "/people")
            .send()
            .await
            .expect("answered");
        assert_eq!(answer.status(), 403, "{method} is not a plain write");
    }
    assert!(world.emu.requests().is_empty(), "none was forwarded");
    let answer = authed(
        &client,
        &proxy,
        "humaans",
        reqwest::Method::PATCH,
        "/people/1",
    )
    .body("{}")
    .send()
    .await
    .expect("answered");
    assert_ne!(answer.status(), 403, "PATCH is a plain write");
    assert_eq!(world.emu.requests().len(), 1, "and was forwarded");
}

#[tokio::test]
async fn refusals_before_the_token_are_counted_not_recorded_and_long_paths_are_cut() {
    let world = linked().await;
    let dir = tempfile::tempdir().expect("a folder");
    let log = Arc::new(UseLog::at(dir.path().join("use.jsonl"), 1 << 20));
    let mut s = settings();
    s.log = Some((Arc::clone(&log), "run-1".into()));
    let proxy = world.proxy(&["humaans"], s).await;
    let client = script();
    let long = "A".repeat(60_000);
    let base = proxy.url("humaans", "api").expect("url");
    for _ in 0..40 {
        let answer = client
            .get(format!("{base}/{long}"))
            .bearer_auth("kst_wrong")
            .send()
            .await
            .expect("answered");
        assert_eq!(answer.status(), 401, "a wrong token is refused");
    }
    let answer = authed(
        &client,
        &proxy,
        "humaans",
        reqwest::Method::GET,
        &format!("/{long}"),
    )
    .send()
    .await
    .expect("answered");
    assert_eq!(
        answer.status(),
        404,
        "the script's own long path goes through"
    );
    let served = proxy.stop().await;
    assert_eq!(served.refused, 40, "each refusal was counted");
    let records = log.read();
    assert_eq!(
        records.len(),
        1,
        "only the script's own request was recorded: {records:?}"
    );
    let UseRecord::Request { path, .. } = &records[0] else {
        panic!("a request record: {records:?}");
    };
    assert!(
        path.len() <= MAX_PATH && path.ends_with("…[cut]"),
        "its path is cut, and says so ({} bytes)",
        path.len()
    );
    let size = std::fs::metadata(log.path()).expect("the log").len();
    assert!(size < 2_000, "the log stays small: {size} bytes");
}

#[tokio::test]
async fn a_stored_key_goes_only_to_the_hosts_it_was_verified_against() {
    let world = linked().await;
    let account = world
        .accounts
        .list()
        .await
        .into_iter()
        .find(|a| a.provider == "humaans")
        .expect("linked");
    let secrets = world
        .vault
        .get(&account.id)
        .expect("readable")
        .expect("kept");
    // Another server answering for the same tenant: the key was not verified there.
    let elsewhere = Emulator::start();
    elsewhere.add_humaans(
        "ProxyHumaansToken000000000000001",
        HumaansTenant::full("Acme Ltd", 42),
    );
    let grant = Grant::new(
        "humaans",
        &account,
        catalogue().get("humaans").expect("humaans"),
        &hosts_for(&elsewhere),
        secrets,
    );
    assert!(
        matches!(&grant, Err(GrantError::HostChanged(host)) if host == "api"),
        "a host moved by an override is refused before a grant exists: {grant:?}"
    );
    assert!(elsewhere.requests().is_empty(), "nothing was sent there");
}

/// Opens `count` connections to `port` as `nobody` and keeps them open, sending nothing,
/// until the returned child is killed; returns once they are open.
fn idle_strangers(port: u16, count: usize) -> std::process::Child {
    let code = "import socket,sys,time\n\
                s=[]\n\
                for _ in range(int(sys.argv[2])):\n    \
                    try: s.append(socket.create_connection(('127.0.0.1',int(sys.argv[1])),timeout=5))\n    \
                    except OSError: pass\n\
                print('open',len(s),flush=True)\n\
                time.sleep(120)\n";
    let mut cmd = as_nobody("/usr/bin/python3");
    cmd.args(["-c", code, &port.to_string(), &count.to_string()])
        .stdout(Stdio::piped());
    let mut child = cmd.spawn().expect("python3 starts as nobody");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.as_mut().expect("stdout")),
        &mut line,
    )
    .expect("it says when its connections are open");
    assert!(
        line.starts_with("open"),
        "the connections were opened: {line}"
    );
    child
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_from_anyone_do_not_starve_the_script() {
    if !can_be_another_user() {
        return;
    }
    let world = linked().await;
    let mut s = settings();
    s.max_connections = 16;
    s.header_timeout = Duration::from_secs(1);
    let proxy = world.proxy(&["humaans"], s).await;
    let port = proxy.addr().port();
    let mut strangers = tokio::task::spawn_blocking(move || idle_strangers(port, 300))
        .await
        .expect("joined");
    // The script's own idle connections: more than the proxy serves at once.
    let own: Vec<std::net::TcpStream> = (0..40)
        .map(|_| std::net::TcpStream::connect(proxy.addr()).expect("connect"))
        .collect();
    let answer = tokio::time::timeout(
        Duration::from_secs(60),
        authed(&script(), &proxy, "humaans", reqwest::Method::GET, "/me").send(),
    )
    .await
    .expect("answered before the guard's minute, not starved")
    .expect("an answer");
    assert_eq!(answer.status(), 200, "the script's request is served");
    assert!(
        proxy.strangers() >= 300,
        "every stranger's connection was closed unread ({})",
        proxy.strangers()
    );
    drop(own);
    let _ = strangers.kill();
    let _ = strangers.wait();
}
