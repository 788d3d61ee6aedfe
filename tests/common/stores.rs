//! Real team stores on loopback for the tests: OpenBao (`bao server -dev`, KV version 2
//! mounted at `secret/`) and moto's AWS Secrets Manager (`moto_server`), each started on a
//! free port of 127.0.0.1 by the test that needs it and stopped when dropped. Both come from
//! PyPI, pinned, in the virtual environment `scripts/deps.sh test` makes
//! (`tests/stores/requirements.txt`); `KEYSTEP_STORES_VENV` names another one. Included by
//! `tests/core` and `tests/cli` (`#[path]`).
//!
//! "Someone else" changes a copy through the stores' own clients, not Keystep's: `boto3`
//! (shipped with moto) for AWS, and a plain HTTP write without check-and-set for OpenBao.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// OpenBao's root token in the tests' dev servers (a dev server's token, nothing real).
pub const BAO_TOKEN: &str = "keystep-test-root-token";
/// moto accepts any credentials; these make the SDK sign its requests.
pub const AWS_KEY_ID: &str = "AKIAKEYSTEPTEST00001";
/// See [`AWS_KEY_ID`].
pub const AWS_SECRET: &str = "keystepTestSecretAccessKey0000000000000001";

/// The virtual environment holding `moto_server` and `bao`.
pub fn venv() -> PathBuf {
    if let Some(dir) = std::env::var_os("KEYSTEP_STORES_VENV") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    cache.join("keystep").join("stores-venv")
}

/// Whether the stores are installed; panics under CI, where skipping would lie.
pub fn stores_present() -> bool {
    let present = venv().join("bin/moto_server").is_file() && venv().join("bin/bao").is_file();
    assert!(
        present || std::env::var("CI").as_deref() != Ok("true"),
        "the team store tests need moto and OpenBao: run scripts/deps.sh test ({} is missing them)",
        venv().display()
    );
    if !present {
        eprintln!(
            "skipping: no moto/OpenBao in {} (run scripts/deps.sh test)",
            venv().display()
        );
    }
    present
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// `GET path` on loopback; the status code, or `None` when nothing answers.
fn status_of(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// A store server, stopped (and its folder removed) when dropped.
pub struct Server {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    _home: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(program: &str, args: impl Fn(u16) -> Vec<String>, ready: &str, want: u16) -> Server {
        for _ in 0..3 {
            let port = free_port();
            let home = tempfile::tempdir().expect("a temp dir");
            let child = Command::new(venv().join("bin").join(program))
                .args(args(port))
                // A dev server writes its token helper file into HOME: a folder of its own.
                .env("HOME", home.path())
                .current_dir(home.path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("{program} starts: {e}"));
            let mut server = Server {
                child,
                port,
                _home: home,
            };
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if status_of(port, ready) == Some(want) {
                    return server;
                }
                if server.child.try_wait().ok().flatten().is_some() {
                    break; // the port was taken meanwhile: another try
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = server.child.kill();
        }
        panic!("{program} did not start on 127.0.0.1");
    }

    /// `bao server -dev` with [`BAO_TOKEN`] as its root token.
    pub fn openbao() -> Server {
        Server::start(
            "bao",
            |port| {
                vec![
                    "server".into(),
                    "-dev".into(),
                    format!("-dev-root-token-id={BAO_TOKEN}"),
                    format!("-dev-listen-address=127.0.0.1:{port}"),
                    "-dev-no-store-token".into(),
                ]
            },
            "/v1/sys/health",
            200,
        )
    }

    /// `moto_server` (every AWS service moto emulates; Secrets Manager here).
    pub fn moto() -> Server {
        Server::start(
            "moto_server",
            |port| {
                vec![
                    "-H".into(),
                    "127.0.0.1".into(),
                    "-p".into(),
                    port.to_string(),
                ]
            },
            "/moto-api/",
            200,
        )
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Runs Python code in the stores' environment, with this server's address as `URL`
    /// and the tests' credentials; its standard output.
    pub fn python(&self, code: &str) -> String {
        let out = Command::new(venv().join("bin/python"))
            .args(["-c", code])
            .env("URL", self.url())
            .env("TOKEN", BAO_TOKEN)
            .env("AWS_ACCESS_KEY_ID", AWS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
            .env("AWS_DEFAULT_REGION", "eu-west-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "python in the stores' environment: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Someone else writes `value` to the Vault secret `mount/path` (no check-and-set), as
    /// `vault kv put` would.
    pub fn vault_put_outside(&self, mount: &str, path: &str, value: &str) {
        self.python(&format!(
            "import json,os,urllib.request as u\n\
             r=u.Request(os.environ['URL']+'/v1/{mount}/data/{path}',data=json.dumps({{'data':{{'api_token':{value:?}}}}}).encode(),\
             headers={{'X-Vault-Token':os.environ['TOKEN'],'Content-Type':'application/json'}},method='POST')\n\
             print(u.urlopen(r).read().decode())"
        ));
    }

    /// The Vault secret `mount/path` as the store holds it: `(current version, data,
    /// custom_metadata)` as JSON text.
    pub fn vault_get(&self, mount: &str, path: &str) -> serde_json::Value {
        let text = self.python(&format!(
            "import json,os,urllib.request as u\n\
             h={{'X-Vault-Token':os.environ['TOKEN']}}\n\
             try:\n  d=json.load(u.urlopen(u.Request(os.environ['URL']+'/v1/{mount}/data/{path}',headers=h)))\n\
             except Exception: d=None\n\
             try:\n  m=json.load(u.urlopen(u.Request(os.environ['URL']+'/v1/{mount}/metadata/{path}',headers=h)))\n\
             except Exception: m=None\n\
             print(json.dumps({{'data':d,'metadata':m}}))"
        ));
        serde_json::from_str(&text).expect("JSON from python")
    }

    /// Someone else puts `value` as the AWS secret `name`'s new current version.
    pub fn aws_put_outside(&self, name: &str, value: &str) {
        self.python(&format!(
            "import boto3,os\n\
             c=boto3.client('secretsmanager',endpoint_url=os.environ['URL'])\n\
             c.put_secret_value(SecretId={name:?},SecretString='{{\"api_token\": \"'+{value:?}+'\"}}')"
        ));
    }

    /// The AWS secret `name`: `{"value": …, "tags": {…}, "deleted": bool}`, or
    /// `{"missing": true}`. The value is the version labelled `AWSCURRENT`, named explicitly:
    /// moto 5.2.5 answers a `GetSecretValue` without a stage from the version it last made
    /// current itself, not from where `UpdateSecretVersionStage` moved the label (AWS
    /// documents `AWSCURRENT` as the default).
    pub fn aws_get(&self, name: &str) -> serde_json::Value {
        let text = self.python(&format!(
            "import boto3,json,os\n\
             c=boto3.client('secretsmanager',endpoint_url=os.environ['URL'])\n\
             try:\n  d=c.describe_secret(SecretId={name:?})\n\
             except c.exceptions.ResourceNotFoundException:\n  print(json.dumps({{'missing':True}})); raise SystemExit\n\
             v=None\n\
             if 'DeletedDate' not in d: v=c.get_secret_value(SecretId={name:?},VersionStage='AWSCURRENT')['SecretString']\n\
             print(json.dumps({{'value':v,'tags':{{t['Key']:t['Value'] for t in d.get('Tags',[])}},'deleted':'DeletedDate' in d}}))"
        ));
        serde_json::from_str(&text).expect("JSON from python")
    }
}
