//! The person's preferences: how often accounts are checked, whether Keystep may notify,
//! start at login, remind about old keys, which language it speaks, and what closing the
//! window does on a desktop without a tray.
//!
//! Settings arrive from the window as a whole document and are validated here, field by
//! field, so a bad value is refused with the field's name and nothing is half-saved.

use serde::{Deserialize, Serialize};

use crate::schedule::DEFAULT_INTERVAL_SECS;

/// Shortest allowed time between two checks of an account, in hours.
pub const MIN_INTERVAL_HOURS: u32 = 1;
/// Longest allowed time between two checks of an account, in hours (a week).
pub const MAX_INTERVAL_HOURS: u32 = 168;
/// Longest rotation reminder, in days (two years).
pub const MAX_REMINDER_DAYS: u32 = 730;

/// The option start at login passes: the window process starts without a window and keeps
/// checking. Both binaries know it (the command line routes it to the window).
pub const BACKGROUND_ARG: &str = "--background";

/// The language Keystep speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// The system's language when Keystep knows it, English otherwise.
    #[default]
    System,
    /// English.
    En,
    /// French.
    Fr,
}

/// What closing the window does where no tray icon is left to bring Keystep back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenClosed {
    /// Ask the first time, then remember the answer.
    #[default]
    Ask,
    /// Hide the window and keep checking; notifications still come.
    Background,
    /// Quit: checks stop until Keystep is opened again.
    Quit,
}

/// Everything the settings page sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Hours between two background checks of an account.
    pub check_interval_hours: u32,
    /// Whether a status change raises a desktop notification.
    pub notifications: bool,
    /// Whether Keystep starts when the person logs in.
    pub start_at_login: bool,
    /// Remind to rotate a key this many days after it was created; `None`: never.
    pub rotation_reminder_days: Option<u32>,
    /// The language of the window and the tray.
    pub language: Language,
    /// Whether the person was told that closing the window keeps Keystep in the tray.
    #[serde(default)]
    pub told_about_tray: bool,
    /// What closing the window does without a tray host (settings from before it: ask).
    #[serde(default)]
    pub when_closed: WhenClosed,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            check_interval_hours: (DEFAULT_INTERVAL_SECS / 3600) as u32,
            notifications: true,
            start_at_login: false,
            rotation_reminder_days: None,
            language: Language::System,
            told_about_tray: false,
            when_closed: WhenClosed::Ask,
        }
    }
}

/// A setting that cannot be used; nothing was saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SettingsError {
    /// The setting at fault.
    pub field: &'static str,
    /// What is wrong and what would do.
    pub message: String,
}

impl Settings {
    /// Checks every value against its range.
    ///
    /// # Errors
    /// The first setting out of range, by name.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if !(MIN_INTERVAL_HOURS..=MAX_INTERVAL_HOURS).contains(&self.check_interval_hours) {
            return Err(SettingsError {
                field: "check_interval_hours",
                message: format!(
                    "Check accounts every {MIN_INTERVAL_HOURS} to {MAX_INTERVAL_HOURS} hours; {} is out of range.",
                    self.check_interval_hours
                ),
            });
        }
        if let Some(days) = self.rotation_reminder_days {
            if !(1..=MAX_REMINDER_DAYS).contains(&days) {
                return Err(SettingsError {
                    field: "rotation_reminder_days",
                    message: format!(
                        "A rotation reminder can be set from 1 to {MAX_REMINDER_DAYS} days, or turned off; {days} is out of range."
                    ),
                });
            }
        }
        Ok(())
    }

    /// The check interval in seconds.
    pub fn interval_secs(&self) -> u64 {
        u64::from(self.check_interval_hours) * 3600
    }

    /// Reads stored settings; anything unreadable or out of range falls back to the
    /// defaults (and says so in the log), so a damaged settings file never stops Keystep.
    pub fn from_stored(value: Option<serde_json::Value>) -> Settings {
        let Some(value) = value else {
            return Settings::default();
        };
        match serde_json::from_value::<Settings>(value.clone()) {
            Ok(s) if s.validate().is_ok() => s,
            _ => {
                log::warn!("the stored settings were unusable; using the defaults");
                Settings::default()
            }
        }
    }
}

/// Where settings are kept ([`FileSettings`] in the app, memory in tests).
pub trait SettingsStore: Send + Sync {
    /// The saved settings, or the defaults.
    fn load(&self) -> Settings;

    /// Saves `settings` durably.
    ///
    /// # Errors
    /// The write failed; the message says why, and the previous settings are intact.
    fn save(&self, settings: &Settings) -> Result<(), String>;
}

/// The settings file in the data folder.
pub const SETTINGS_FILE: &str = "settings.json";
const SETTINGS_KEY: &str = "settings";

/// Settings in `settings.json` of Keystep's private data folder, as `{"settings": {...}}`
/// (the shape earlier versions wrote through tauri-plugin-store), written atomically.
#[derive(Debug)]
pub struct FileSettings {
    dir: std::sync::Arc<crate::files::DataDir>,
}

impl FileSettings {
    /// The settings in `dir`.
    pub fn new(dir: std::sync::Arc<crate::files::DataDir>) -> Self {
        FileSettings { dir }
    }
}

impl SettingsStore for FileSettings {
    fn load(&self) -> Settings {
        let stored = match self.dir.read(SETTINGS_FILE) {
            Ok(Some(bytes)) => serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|file| file.get(SETTINGS_KEY).cloned())
                .or_else(|| {
                    log::warn!("the settings file is not readable JSON; using the defaults");
                    None
                }),
            Ok(None) => None,
            Err(e) => {
                log::warn!("the settings file could not be read ({e}); using the defaults");
                None
            }
        };
        Settings::from_stored(stored)
    }

    fn save(&self, settings: &Settings) -> Result<(), String> {
        let value = serde_json::to_value(settings).map_err(|e| e.to_string())?;
        let bytes = serde_json::to_vec_pretty(&serde_json::json!({ SETTINGS_KEY: value }))
            .map_err(|e| e.to_string())?;
        let _lock = self.dir.exclusive().map_err(|e| e.to_string())?;
        self.dir
            .write(SETTINGS_FILE, &bytes)
            .map_err(|e| e.to_string())
    }
}

/// Settings in memory, with an injectable write failure: for tests.
#[derive(Debug, Default)]
pub struct MemorySettingsStore {
    saved: std::sync::Mutex<Option<Settings>>,
    fail: std::sync::atomic::AtomicBool,
}

impl MemorySettingsStore {
    /// Makes every later save fail (or succeed again).
    pub fn fail_saves(&self, fail: bool) {
        self.fail.store(fail, std::sync::atomic::Ordering::SeqCst);
    }
}

impl SettingsStore for MemorySettingsStore {
    fn load(&self) -> Settings {
        self.saved
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .unwrap_or_default()
    }

    fn save(&self, settings: &Settings) -> Result<(), String> {
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err("injected save failure".into());
        }
        *self.saved.lock().unwrap_or_else(|e| e.into_inner()) = Some(settings.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_six_hours_notifications_on_login_off() {
        let s = Settings::default();
        assert_eq!(s.interval_secs(), 6 * 3600, "six hours by default");
        assert!(s.notifications, "notifications on by default");
        assert!(!s.start_at_login, "start at login is opt-in");
        assert_eq!(
            s.rotation_reminder_days, None,
            "no rotation reminder by default"
        );
        assert_eq!(
            s.when_closed,
            WhenClosed::Ask,
            "without a tray, the first close asks"
        );
        assert!(s.validate().is_ok(), "the defaults are valid");
    }

    #[test]
    fn out_of_range_values_name_their_field() {
        let mut s = Settings {
            check_interval_hours: 0,
            ..Settings::default()
        };
        assert_eq!(
            s.validate().map_err(|e| e.field),
            Err("check_interval_hours")
        );
        s.check_interval_hours = 169;
        assert_eq!(
            s.validate().map_err(|e| e.field),
            Err("check_interval_hours")
        );
        s.check_interval_hours = 24;
        s.rotation_reminder_days = Some(0);
        assert_eq!(
            s.validate().map_err(|e| e.field),
            Err("rotation_reminder_days")
        );
        s.rotation_reminder_days = Some(90);
        assert!(
            s.validate().is_ok(),
            "a day interval with a 90-day reminder is fine"
        );
    }

    #[test]
    fn damaged_stored_settings_fall_back_to_defaults() {
        let odd = serde_json::json!({"check_interval_hours": "soon"});
        assert_eq!(Settings::from_stored(Some(odd)), Settings::default());
        let out_of_range = serde_json::to_value(Settings {
            check_interval_hours: 0,
            ..Settings::default()
        })
        .expect("serializes");
        assert_eq!(
            Settings::from_stored(Some(out_of_range)),
            Settings::default()
        );
        let good = Settings {
            language: Language::Fr,
            ..Settings::default()
        };
        let stored = serde_json::to_value(&good).expect("serializes");
        assert_eq!(Settings::from_stored(Some(stored)), good, "round trip");
        assert_eq!(Settings::from_stored(None), Settings::default(), "absent");
        let before_the_question = serde_json::json!({"check_interval_hours": 6, "notifications": true,
            "start_at_login": false, "rotation_reminder_days": null, "language": "en"});
        assert_eq!(
            Settings::from_stored(Some(before_the_question)).when_closed,
            WhenClosed::Ask,
            "settings saved before the close question ask it"
        );
        let answered = Settings {
            when_closed: WhenClosed::Background,
            ..Settings::default()
        };
        let stored = serde_json::to_value(&answered).expect("serializes");
        assert_eq!(
            Settings::from_stored(Some(stored)).when_closed,
            WhenClosed::Background,
            "the answer is remembered"
        );
    }
}
