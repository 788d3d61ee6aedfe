//! Start at login on Linux: the XDG autostart entry, `$XDG_CONFIG_HOME/autostart/Keystep.desktop`
//! (`~/.config/autostart` without that variable), which starts Keystep with
//! [`BACKGROUND_ARG`].
//!
//! Keystep writes the entry itself rather than through tauri-plugin-autostart, whose entry
//! was what a person reads in the desktop's list of startup applications: the comment
//! "Keystep startup script" and no icon; it also always went under `~/.config`, where a
//! session with another `XDG_CONFIG_HOME` never looks. Here the entry names Keystep and what
//! it does at login, in English and French, with Keystep's icon, and is written whole or
//! not at all (a temporary file renamed over it). Other systems keep the plugin (`lib.rs`).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::closing::BACKGROUND_ARG;

/// The entry's file name: the one earlier versions (the plugin) wrote, so renewing an old
/// entry replaces it.
pub const ENTRY_NAME: &str = "Keystep.desktop";

/// Where the login entry lives and what it starts, made once at start-up (the IPC tests'
/// app has none, and start at login is then unavailable).
#[derive(Debug, Clone)]
pub struct LoginEntry {
    /// The autostart folder.
    pub dir: PathBuf,
    /// What the entry runs: this binary.
    pub exe: PathBuf,
    /// Where the plugin wrote the entry (`$HOME/.config/autostart`), when that is another
    /// folder: removed, so one login does not start two entries' worth of Keystep.
    pub legacy_dir: Option<PathBuf>,
}

impl LoginEntry {
    /// The entry for this process, by `env` (a variable's value by name); `None` when the
    /// environment names no home.
    pub fn from_env(env: impl Fn(&str) -> Option<String>, exe: PathBuf) -> Option<LoginEntry> {
        let absolute = |name: &str| env(name).map(PathBuf::from).filter(|p| p.is_absolute());
        let home_config = absolute("HOME").map(|home| home.join(".config/autostart"));
        let dir = match absolute("XDG_CONFIG_HOME") {
            Some(config) => config.join("autostart"),
            None => home_config.clone()?,
        };
        let legacy_dir = home_config.filter(|legacy| *legacy != dir);
        Some(LoginEntry {
            dir,
            exe,
            legacy_dir,
        })
    }

    /// The entry's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(ENTRY_NAME)
    }

    /// Writes the entry (`on`) or removes it, with the plugin's old one elsewhere.
    ///
    /// # Errors
    /// The folder or the file could not be written or removed.
    pub fn set(&self, on: bool) -> io::Result<()> {
        if let Some(legacy) = &self.legacy_dir {
            remove_if_there(&legacy.join(ENTRY_NAME))?;
        }
        if !on {
            return remove_if_there(&self.path());
        }
        std::fs::create_dir_all(&self.dir)?;
        let mut file = tempfile::NamedTempFile::new_in(&self.dir)?;
        file.write_all(entry_text(&self.exe).as_bytes())?;
        file.as_file().sync_all()?;
        file.persist(self.path()).map_err(|e| e.error)?;
        Ok(())
    }
}

fn remove_if_there(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The entry's text: Keystep's name, icon and what it does at login, starting `exe` in the
/// background.
pub fn entry_text(exe: &Path) -> String {
    format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=Keystep\n\
         Comment=Checks your HR systems' API keys in the background and tells you when one stops working\n\
         Comment[fr]=Vérifie en arrière-plan les clés d’API de vos logiciels RH et vous prévient quand l’une d’elles ne fonctionne plus\n\
         Icon=keystep\n\
         Exec={} {BACKGROUND_ARG}\n\
         Terminal=false\n\
         StartupNotify=false\n\
         Categories=Utility;\n",
        exec_argument(&exe.to_string_lossy())
    )
}

/// One argument of an `Exec` line, quoted as the Desktop Entry Specification says: in
/// double quotes when it holds a reserved character, with `"`, `` ` ``, `$` and `\`
/// escaped inside them; then `\` doubled again as in every string value, and `%` as `%%`.
fn exec_argument(arg: &str) -> String {
    const RESERVED: &[char] = &[
        ' ', '\t', '\n', '"', '\'', '\\', '>', '<', '~', '|', '&', ';', '$', '*', '?', '#', '(',
        ')', '`',
    ];
    let quoted = if arg.contains(RESERVED) {
        let mut out = String::from("\"");
        for c in arg.chars() {
            if matches!(c, '"' | '`' | '$' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        out
    } else {
        arg.to_string()
    };
    quoted.replace('\\', "\\\\").replace('%', "%%")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_string())
        }
    }

    #[test]
    fn the_entry_names_keystep_says_what_it_does_and_shows_its_icon() {
        let text = entry_text(Path::new("/usr/lib/keystep/keystep-window"));
        for line in [
            "Name=Keystep",
            "Icon=keystep",
            "Exec=/usr/lib/keystep/keystep-window --background",
            "Type=Application",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "the entry has {line}: {text}"
            );
        }
        let comment = text
            .lines()
            .find_map(|l| l.strip_prefix("Comment="))
            .expect("a comment");
        assert!(
            comment.contains("in the background") && !comment.contains("script"),
            "the comment says what Keystep does at login: {comment}"
        );
        assert!(
            text.lines().any(|l| l.starts_with("Comment[fr]=Vérifie")),
            "and in French: {text}"
        );
    }

    #[test]
    fn an_exec_path_with_spaces_or_specials_is_quoted_as_the_specification_says() {
        assert_eq!(exec_argument("/usr/bin/keystep"), "/usr/bin/keystep");
        assert_eq!(
            exec_argument("/home/ann/My Apps/keystep"),
            "\"/home/ann/My Apps/keystep\"",
            "a space: in double quotes"
        );
        assert_eq!(
            exec_argument("/opt/a$b/100%/keystep"),
            "\"/opt/a\\\\$b/100%%/keystep\"",
            "$ escaped inside the quotes (its backslash doubled as a string value), % as %%"
        );
    }

    #[test]
    fn the_entry_goes_where_the_session_looks() {
        let exe = PathBuf::from("/x/keystep");
        let xdg = LoginEntry::from_env(
            env(&[("XDG_CONFIG_HOME", "/x/config"), ("HOME", "/home/a")]),
            exe.clone(),
        )
        .expect("an entry");
        assert_eq!(xdg.path(), Path::new("/x/config/autostart/Keystep.desktop"));
        assert_eq!(
            xdg.legacy_dir.as_deref(),
            Some(Path::new("/home/a/.config/autostart")),
            "the plugin's old place is cleaned up"
        );
        let home = LoginEntry::from_env(env(&[("HOME", "/home/a")]), exe.clone()).expect("entry");
        assert_eq!(
            home.path(),
            Path::new("/home/a/.config/autostart/Keystep.desktop")
        );
        assert_eq!(home.legacy_dir, None, "one place: nothing else to clean");
        let relative = LoginEntry::from_env(
            env(&[("XDG_CONFIG_HOME", "rel"), ("HOME", "/h")]),
            exe.clone(),
        )
        .expect("entry");
        assert_eq!(
            relative.path(),
            Path::new("/h/.config/autostart/Keystep.desktop"),
            "a relative XDG_CONFIG_HOME is ignored"
        );
        assert!(LoginEntry::from_env(env(&[]), exe).is_none(), "no home");
    }

    #[test]
    fn on_writes_the_whole_entry_and_off_removes_it_and_the_old_one() {
        let root = tempfile::tempdir().expect("temp dir");
        let legacy = root.path().join("home/.config/autostart");
        std::fs::create_dir_all(&legacy).expect("legacy folder");
        std::fs::write(legacy.join(ENTRY_NAME), "Comment=Keystep startup script").expect("old");
        let entry = LoginEntry {
            dir: root.path().join("config/autostart"),
            exe: PathBuf::from("/x/keystep-window"),
            legacy_dir: Some(legacy.clone()),
        };
        entry.set(true).expect("written");
        assert_eq!(
            std::fs::read_to_string(entry.path()).expect("the entry"),
            entry_text(&entry.exe),
            "the whole entry"
        );
        assert!(
            !legacy.join(ENTRY_NAME).exists(),
            "the plugin's entry elsewhere is gone"
        );
        let names: Vec<_> = std::fs::read_dir(&entry.dir)
            .expect("folder")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, [ENTRY_NAME], "no temporary file is left: {names:?}");
        entry.set(false).expect("removed");
        assert!(!entry.path().exists(), "off removes the entry");
        entry.set(false).expect("removing twice is fine");
    }
}
