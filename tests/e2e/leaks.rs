//! Searching everything the app wrote for secrets, and reading the real keychain.

use std::path::Path;
use std::process::Command;

use crate::driver::Sandbox;

/// What a scan read and found.
#[derive(Debug, Default)]
pub struct Scan {
    pub files_read: usize,
    pub book_found: bool,
    pub log_found: bool,
    pub output_found: bool,
    pub hits: Vec<String>,
}

/// Reads every file under the sandbox (app data, config, cache, logs, the driver's output
/// and the app's own stdout/stderr) and records each one that contains any of `secrets`.
pub fn scan(sandbox: &Sandbox, secrets: &[&str]) -> Scan {
    let mut out = Scan::default();
    walk(&sandbox.root, &mut |path| {
        let Ok(bytes) = std::fs::read(path) else {
            return;
        };
        out.files_read += 1;
        let name = path.to_string_lossy();
        if name.ends_with("accounts.json") && String::from_utf8_lossy(&bytes).contains("Acme Ltd") {
            out.book_found = true;
        }
        if name.ends_with("keystep.log") && !bytes.is_empty() {
            out.log_found = true;
        }
        if name.ends_with("out/app.log") && !bytes.is_empty() {
            out.output_found = true;
        }
        for s in secrets {
            if bytes.windows(s.len()).any(|w| w == s.as_bytes()) {
                out.hits.push(format!("{} holds a secret", path.display()));
            }
        }
    });
    out
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, f);
        } else {
            f(&p);
        }
    }
}

/// `secret-tool search --all service <service>`, with secrets shown.
pub fn secret_tool_search(service: &str) -> String {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "--unlock", "service", service])
        .output()
        .expect("secret-tool runs");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// Stores an item in the real keychain the way a crashed or older Keystep might have left it.
pub fn secret_tool_store(service: &str, user: &str, label: &str, secret: &str) {
    use std::io::Write;
    let mut child = Command::new("secret-tool")
        .args([
            "store",
            &format!("--label={label}"),
            "service",
            service,
            "username",
            user,
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("secret-tool runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(secret.as_bytes())
        .expect("write the secret");
    assert!(
        child.wait().expect("secret-tool ends").success(),
        "secret-tool stored the item"
    );
}

/// Removes every keychain item of `service`, and checks that none is left.
pub fn secret_tool_clear(service: &str) {
    let _ = Command::new("secret-tool")
        .args(["clear", "service", service])
        .status();
    let left = secret_tool_search(service);
    assert!(
        !left.contains(&format!("attribute.service = {service}")),
        "the keychain still holds {service} items: {left}"
    );
}
