//! `keystep run` as a person runs it, under pressure: a terminal's Ctrl-C reaches the command
//! once; a hold the provider asks for is said once on standard error and recorded; and with a
//! desktop-like descriptor limit, hundreds of idle connections from another user and from the
//! script's own user neither starve the script's request nor make keystep spin.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use keystep_emulator::Fault;
use serde_json::Value;

use crate::accounts::{keyring_present, stderr, Cli};
use crate::app_binary::app_binary;
use crate::proxy_guard::{as_nobody, can_be_another_user};
use crate::run::link_all;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `argv` on a new terminal (a pty, as a person's shell would), waits for it to print
/// `ready`, types Ctrl-C, and returns everything it printed.
const ON_A_TERMINAL: &str = r#"
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
seen = b""
while b"ready" not in seen:
    seen += os.read(fd, 1024)
time.sleep(0.3)
os.write(fd, b"\x03")
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
"#;

#[test]
fn ctrl_c_on_the_terminal_reaches_the_command_once() {
    if !keyring_present() {
        return;
    }
    let cli = Cli::new();
    let linked = link_all(&cli);
    // Counts SIGINTs for a second after the first, as a script's cleanup would take.
    let code = "import signal,sys,time\n\
                got=[]\n\
                signal.signal(signal.SIGINT, lambda *_: got.append(1))\n\
                print('ready', flush=True)\n\
                while not got: time.sleep(0.05)\n\
                time.sleep(1)\n\
                print('got', len(got), flush=True)\n";
    let bin = app_binary();
    let out = Command::new("python3")
        .args(["-c", ON_A_TERMINAL])
        .arg(&bin)
        .args(["run", "--account", linked[2].0, "--", "python3", "-c", code])
        .env("XDG_DATA_HOME", cli.data())
        .envs(cli.emu.env())
        .output()
        .expect("the terminal harness runs");
    let printed = stdout(&out);
    assert!(
        printed.contains("got 1"),
        "the terminal's Ctrl-C reached the command once, not twice: {printed}"
    );
}

/// Reads `/me` through the proxy `times` times with the run token, printing each status.
const READS: &str = r#"
import os, sys, urllib.error, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
for _ in range(int(sys.argv[1])):
    req = urllib.request.Request(os.environ["KEYSTEP_URL"] + "/me",
                                 headers={"Authorization": "Bearer " + os.environ["KEYSTEP_TOKEN"]})
    try:
        with opener.open(req) as r:
            print("status", r.status, flush=True)
    except urllib.error.HTTPError as e:
        print("status", e.code, flush=True)
"#;

#[test]
fn a_wait_the_provider_asks_for_is_said_once_on_stderr_and_recorded() {
    if !keyring_present() {
        return;
    }
    let cli = Cli::new();
    let linked = link_all(&cli);
    cli.emu.fault(
        "humaans",
        "/me",
        Fault::Status {
            status: 429,
            body: serde_json::json!({"message": "slow down"}),
            retry_after: Some(3),
        },
    );
    let out = cli.run(
        &[
            "run",
            "--account",
            linked[2].0,
            "--",
            "python3",
            "-c",
            READS,
            "3",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "ran: {}", stderr(&out));
    let said: Vec<String> = stderr(&out)
        .lines()
        .filter(|l| l.starts_with("keystep run: holding requests to Humaans"))
        .map(str::to_string)
        .collect();
    assert_eq!(
        said,
        ["keystep run: holding requests to Humaans: it asked Keystep to wait; next in 3 s"],
        "said once, with the wait, though two requests were held: {}",
        stderr(&out)
    );
    let log = cli.run(&["log", "--json"], "");
    let waits: Vec<u64> = String::from_utf8_lossy(&log.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["event"] == "request")
        .filter_map(|r| r["waited_ms"].as_u64())
        .collect();
    assert!(
        waits.len() == 3 && waits[1] >= 2_000 && waits[2] >= 2_000,
        "the held requests' records say how long they waited: {waits:?}"
    );
}

/// The CPU time `pid` has used, in clock ticks (user and system, proc(5) fields 14 and 15).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the process's stat");
    // Fields after the command name (which may hold spaces) start at field 3.
    let after = stat.rsplit_once(')').expect("a command name").1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}

#[test]
fn idle_connections_by_the_hundred_neither_starve_the_script_nor_make_keystep_spin() {
    if !keyring_present() || !can_be_another_user() {
        return;
    }
    let cli = Cli::new();
    let linked = link_all(&cli);
    // The script says where the proxy is, then waits for a word on its standard input.
    let code = "import os,sys,urllib.request\n\
                print('ready', os.environ['KEYSTEP_URL'].split('/')[2], flush=True)\n\
                sys.stdin.readline()\n\
                req = urllib.request.Request(os.environ['KEYSTEP_URL'] + '/me', headers={'Authorization': 'Bearer ' + os.environ['KEYSTEP_TOKEN']})\n\
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))\n\
                print('status', opener.open(req, timeout=120).status, flush=True)\n";
    // A desktop session's descriptor limit, lowered further: the proxy's cap follows it.
    let mut keystep = Command::new("sh")
        .args(["-c", "ulimit -n 256; exec \"$0\" \"$@\""])
        .arg(app_binary())
        .args(["run", "--account", linked[2].0, "--", "python3", "-c", code])
        .env("XDG_DATA_HOME", cli.data())
        .envs(cli.emu.env())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("keystep runs");
    // A proxy that starves its own runtime never lets keystep end: past three minutes the
    // test ends it, and fails on what it saw rather than hanging.
    let (finished, watch) = std::sync::mpsc::channel::<()>();
    let pid = keystep.id();
    let watchdog = std::thread::spawn(move || {
        if watch.recv_timeout(Duration::from_secs(180)).is_err() {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
    });
    let mut lines = BufReader::new(keystep.stdout.take().expect("stdout")).lines();
    let ready = lines.next().and_then(Result::ok).unwrap_or_default();
    let addr = ready
        .strip_prefix("ready ")
        .unwrap_or_else(|| panic!("the script started: {ready}"))
        .to_string();
    let port: u16 = addr
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    let flood = "import socket,sys,time\n\
                 s=[]\n\
                 for _ in range(int(sys.argv[2])):\n    \
                     try: s.append(socket.create_connection(('127.0.0.1',int(sys.argv[1])),timeout=1))\n    \
                     except OSError: pass\n\
                 print('open',len(s),flush=True)\n\
                 time.sleep(120)\n";
    let mut strangers = as_nobody("/usr/bin/python3")
        .args(["-c", flood, &port.to_string(), "1100"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs as nobody");
    let mut opened = String::new();
    BufReader::new(strangers.stdout.as_mut().expect("stdout"))
        .read_line(&mut opened)
        .expect("the stranger says when its connections are open");
    // The script's own user, idle too: more than the proxy serves at once.
    // A second each at most: a proxy that stopped accepting leaves a full backlog behind.
    let own: Vec<std::net::TcpStream> = (0..100)
        .filter_map(|_| {
            std::net::TcpStream::connect_timeout(
                &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
                Duration::from_secs(1),
            )
            .ok()
        })
        .collect();
    let before = cpu_ticks(pid);
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(3));
    let used = cpu_ticks(pid) - before;
    let ticks_available = started.elapsed().as_secs_f64() * 100.0;
    keystep
        .stdin
        .as_mut()
        .expect("stdin")
        .write_all(b"go\n")
        .expect("the script is told to go");
    let answer = lines.next().and_then(Result::ok).unwrap_or_default();
    drop(own);
    let _ = strangers.kill();
    let _ = strangers.wait();
    let status = keystep.wait().expect("keystep ends");
    let _ = finished.send(());
    let _ = watchdog.join();
    assert!(
        opened.starts_with("open"),
        "the stranger's connections were opened: {opened}"
    );
    assert_eq!(answer, "status 200", "the script's request was answered");
    assert_eq!(status.code(), Some(0), "and the run ended well");
    assert!(
        (used as f64) < ticks_available / 2.0,
        "keystep idled while the connections waited ({used} ticks of {ticks_available:.0})"
    );
    let log = cli.run(&["log", "--json"], "");
    let ended: Vec<Value> = String::from_utf8_lossy(&log.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["event"] == "run_ended")
        .collect();
    assert!(
        ended.len() == 1 && ended[0]["other_users"].as_u64() >= Some(1_000),
        "the run's end counts the other user's connections: {ended:?}"
    );
}
