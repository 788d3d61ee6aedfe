//! Where Keystep's data folder is, computed without the window's libraries, so the command
//! line and the window open the same folder.
//!
//! The window asks Tauri (`app_data_dir()`), which joins the app's identifier to the
//! platform's data folder as the `dirs` crate finds it: on Linux `$XDG_DATA_HOME` when it is
//! an absolute path, else `$HOME/.local/share`; on macOS `$HOME/Library/Application
//! Support`; on Windows `%APPDATA%`. [`app_data_dir`] follows the same rules from the
//! environment it is given; a test of the shell pins that both agree.

use std::path::PathBuf;

/// The app's identifier (`tauri.conf.json`'s `identifier`): the data folder's name.
pub const APP_IDENTIFIER: &str = "io.keystep.desktop";

/// Keystep's data folder, by `env` (a variable's value by name); `None` when the
/// environment names no home.
pub fn app_data_dir(env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let absolute = |name: &str| env(name).map(PathBuf::from).filter(|p| p.is_absolute());
    let base = if cfg!(target_os = "windows") {
        absolute("APPDATA")?
    } else if cfg!(target_os = "macos") {
        absolute("HOME")?.join("Library/Application Support")
    } else {
        match absolute("XDG_DATA_HOME") {
            Some(data) => data,
            None => absolute("HOME")?.join(".local/share"),
        }
    };
    Some(base.join(APP_IDENTIFIER))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn xdg_data_home_wins_when_absolute_else_home() {
        assert_eq!(
            app_data_dir(env(&[("XDG_DATA_HOME", "/x/data"), ("HOME", "/home/a")])),
            Some(PathBuf::from("/x/data/io.keystep.desktop")),
            "XDG_DATA_HOME"
        );
        assert_eq!(
            app_data_dir(env(&[("XDG_DATA_HOME", "relative"), ("HOME", "/home/a")])),
            Some(PathBuf::from("/home/a/.local/share/io.keystep.desktop")),
            "a relative XDG_DATA_HOME is ignored, as the XDG rules say"
        );
        assert_eq!(
            app_data_dir(env(&[("HOME", "/home/a")])),
            Some(PathBuf::from("/home/a/.local/share/io.keystep.desktop")),
            "HOME"
        );
        assert_eq!(app_data_dir(env(&[])), None, "no home, no folder");
    }
}
