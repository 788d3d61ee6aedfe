//! `keystep verify <provider> --json` for each of the fifteen providers, as a fresh process
//! each time (the release binary, the same engine the window uses), against the emulator
//! with every answer delayed by the latency. The minimum is the number of requests the
//! emulator saw for that verification × the latency: the checks of a chain depend on each
//! other (captures, stop at the first 401) and run one at a time, and for client credentials
//! the token request comes first and counts like any other.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use keystep_emulator::{
    AshbyTenant, BamboohrTenant, DeelTenant, Emulator, FactorialTenant, GreenhouseTenant,
    HibobTenant, HumaansTenant, JazzhrAccount, LeverTenant, NamelyTenant, PayfitTenant,
    PersonioTenant, RipplingTenant, TeamtailorTenant, WorkableTenant,
};
use serde_json::{json, Value};

use crate::{median, spread, verdict};

/// A `keystep verify` invocation: provider, its credential kind (for the table), non-secret
/// fields (`--field`), secret fields (on stdin).
struct Case {
    provider: &'static str,
    kind: &'static str,
    plain: Vec<(&'static str, &'static str)>,
    secret: Vec<(&'static str, &'static str)>,
}

const GH_ID: &str = "gh-bench-verify";
const PIO_ID: &str = "papi-bench-verify-0000-000000000001";

/// Registers one working tenant per provider on `emu` and returns the cases that verify them.
fn cases(emu: &Emulator) -> Vec<Case> {
    let case = |provider, kind, plain, secret| Case {
        provider,
        kind,
        plain,
        secret,
    };
    emu.add_humaans(
        "benchHumaansToken0000000000000001",
        HumaansTenant::full("Acme Ltd", 42),
    );
    emu.add_payfit(
        "benchPayfitKey000000000000000001",
        PayfitTenant::full("Acme SAS", 37),
    );
    emu.add_hibob(HibobTenant::full(
        "SERVICE-1001",
        "benchHibobServiceUserToken00000000000001",
        58,
    ));
    emu.add_jazzhr(
        "benchJazzhrKey000000000000000001",
        JazzhrAccount::with_users("admin@acme.example", 12),
    );
    emu.add_namely(
        "acme",
        NamelyTenant::full("Acme Inc.", "benchNamelyToken0000000000000001", 142),
    );
    emu.add_bamboohr(BamboohrTenant::full(
        "acme",
        "be0c4b00be0c4b00be0c4b00be0c4b00be0c4b01",
        "Acme Inc.",
        21,
    ));
    emu.add_greenhouse(GreenhouseTenant::full(
        GH_ID,
        "benchGreenhouseSecret00000000001",
    ));
    emu.add_ashby(AshbyTenant::full("benchAshbyKey0000000000000000001"));
    emu.add_personio(PersonioTenant::full(
        PIO_ID,
        "papi-benchPersonioSecret000000001",
    ));
    emu.add_lever(LeverTenant::full("benchLeverKey0000000000000000001"));
    emu.add_workable(WorkableTenant::full(
        "acme",
        "Acme Recruiting",
        "benchWorkableTok3n00000000000001",
    ));
    emu.add_teamtailor(TeamtailorTenant::full(
        "benchTeamtailorKey000000000000001",
        "Acme AB",
    ));
    emu.add_factorial(FactorialTenant::new(
        "benchFactorialKey0000000000000001",
        "Acme Software S.L.",
        12,
    ));
    emu.add_deel(DeelTenant::full(
        "benchDeelTok3n000000000000000001",
        "Acme Global Inc.",
    ));
    emu.add_rippling(RipplingTenant::full(
        "benchRipplingTok3n00000000000001",
        "Acme Corp",
    ));
    vec![
        case(
            "humaans",
            "bearer",
            vec![],
            vec![("api_token", "benchHumaansToken0000000000000001")],
        ),
        case(
            "payfit",
            "bearer",
            vec![],
            vec![("api_key", "benchPayfitKey000000000000000001")],
        ),
        case(
            "hibob",
            "basic",
            vec![("service_user_id", "SERVICE-1001")],
            vec![(
                "service_user_token",
                "benchHibobServiceUserToken00000000000001",
            )],
        ),
        case(
            "jazzhr",
            "query",
            vec![],
            vec![("api_key", "benchJazzhrKey000000000000000001")],
        ),
        case(
            "namely",
            "bearer",
            vec![("subdomain", "acme")],
            vec![("access_token", "benchNamelyToken0000000000000001")],
        ),
        case(
            "bamboohr",
            "basic_key",
            vec![("subdomain", "acme")],
            vec![("api_key", "be0c4b00be0c4b00be0c4b00be0c4b00be0c4b01")],
        ),
        case(
            "greenhouse",
            "client_credentials",
            vec![("client_id", GH_ID)],
            vec![("client_secret", "benchGreenhouseSecret00000000001")],
        ),
        case(
            "ashby",
            "basic_key",
            vec![],
            vec![("api_key", "benchAshbyKey0000000000000000001")],
        ),
        case(
            "personio",
            "client_credentials",
            vec![("client_id", PIO_ID)],
            vec![("client_secret", "papi-benchPersonioSecret000000001")],
        ),
        case(
            "lever",
            "basic_key",
            vec![],
            vec![("api_key", "benchLeverKey0000000000000000001")],
        ),
        case(
            "workable",
            "bearer",
            vec![("subdomain", "acme")],
            vec![("access_token", "benchWorkableTok3n00000000000001")],
        ),
        case(
            "teamtailor",
            "header",
            vec![],
            vec![("api_key", "benchTeamtailorKey000000000000001")],
        ),
        case(
            "factorial",
            "header",
            vec![],
            vec![("api_key", "benchFactorialKey0000000000000001")],
        ),
        case(
            "deel",
            "bearer",
            vec![],
            vec![("api_token", "benchDeelTok3n000000000000000001")],
        ),
        case(
            "rippling",
            "bearer",
            vec![],
            vec![("api_token", "benchRipplingTok3n00000000000001")],
        ),
    ]
}

/// One verification of `case` by `app` against `emu`: its wall time in ms and the requests
/// the emulator saw. It must verify.
fn verify_once(app: &Path, emu: &Emulator, case: &Case) -> (f64, usize) {
    emu.clear_requests();
    let mut cmd = Command::new(app);
    cmd.arg("verify").arg(case.provider).arg("--json");
    for (k, v) in &case.plain {
        cmd.arg("--field").arg(format!("{k}={v}"));
    }
    for (k, v) in emu.env() {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let t = Instant::now();
    let mut child = cmd.spawn().expect("keystep verify starts");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        for (k, v) in &case.secret {
            writeln!(stdin, "{k}={v}").expect("write a secret to stdin");
        }
    }
    let output = child.wait_with_output().expect("keystep verify ends");
    let wall = t.elapsed().as_secs_f64() * 1000.0;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last: Value = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or(Value::Null);
    assert_eq!(
        last["ok"],
        json!(true),
        "keystep verify {} must verify against the emulator; it printed {stdout} {}",
        case.provider,
        String::from_utf8_lossy(&output.stderr)
    );
    (wall, emu.requests().len())
}

/// The report's section: every provider's verification, `runs` times each, against its
/// chain's minimum at `latency` per request.
pub fn section(app: &Path, latency: Duration, runs: usize) -> String {
    let emu = Emulator::start();
    let cases = cases(&emu);
    let lat_ms = latency.as_secs_f64() * 1000.0;
    // What starting the binary costs on its own.
    let mut version_ms = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let ok = Command::new(app)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "{} --version runs", app.display());
        version_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut text = format!(
        "### Verification against the emulator with {lat_ms:.0} ms per request\n\n\
         `keystep verify <provider> --json` (the release binary, a new process each time) against the emulator, \
         every answer delayed by the latency, for each of the {} providers. The minimum is what the provider's request \
         chain allows: its sequential requests (for client credentials, the token request too) × the latency.\n\n\
         | provider | credential | requests | minimum | median wall time (range) | over the minimum | target ≤ 1.1× min + 20 ms |\n\
         |---|---|---:|---:|---:|---:|---|\n",
        cases.len()
    );
    emu.latency(latency);
    for case in &cases {
        let mut walls = Vec::new();
        let mut requests = 0;
        for _ in 0..runs {
            let (wall, seen) = verify_once(app, &emu, case);
            walls.push(wall);
            requests = seen;
        }
        let minimum = requests as f64 * lat_ms;
        let wall = median(&walls);
        text.push_str(&format!(
            "| {} | {} | {requests} | {minimum:.0} ms | {wall:.0} ms ({}) | +{:.0} ms ({:.3}×) | {} |\n",
            case.provider,
            case.kind,
            spread(&walls),
            wall - minimum,
            wall / minimum,
            verdict(wall <= 1.1 * minimum + 20.0)
        ));
    }
    text.push_str(&format!(
        "\n`keystep --version` alone (process start, dynamic linking, exit) takes {:.0} ms (median of {runs}).\n",
        median(&version_ms)
    ));
    text
}
