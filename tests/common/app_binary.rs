//! Where the built `keystep` binary is, for the suites that run it as a user would: the
//! command-line binary (package keystep-cli), which `exec`s `keystep-window` beside it when
//! the window is wanted, as the desktop entry's `keystep` does.

use std::path::{Path, PathBuf};

/// `KEYSTEP_APP_BIN` if set (the test command sets it), else the debug build in the target
/// folder in use.
pub fn app_binary() -> PathBuf {
    std::env::var_os("KEYSTEP_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
            target.join("debug/keystep")
        })
}
