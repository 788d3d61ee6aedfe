//! The desktop's interface font, named for the page.
//!
//! The page's text is in the desktop's own font. CSS `system-ui` says so, but in WebKitGTK
//! resolving it held the first paint back by ~25 ms in every new web process (median of 12
//! starts; docs/benchmarks.md, issue 25), while a family named outright costs one fontconfig
//! match, like `sans-serif`. GTK, already up in this process when the window is made, knows
//! the family (`gtk-font-name`), so it is read there once and handed over with the first view
//! (`DesktopView::font`); the page puts it first in its font list (ui/app.js).

/// The family of a Pango font description ("Cantarell 11", "Noto Sans Bold 10"), if it is a
/// name the page can put in its stylesheet as it is: letters, digits, spaces, `-`, `_` and
/// `.`, at most 64 characters. Anything else is left to the page's `sans-serif`.
pub fn family_of(description: &str) -> Option<String> {
    let family = parse_family(description)?;
    let family = family.trim();
    let plain = family
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'));
    (plain && !family.is_empty() && family.chars().count() <= 64).then(|| family.to_string())
}

#[cfg(target_os = "linux")]
fn parse_family(description: &str) -> Option<String> {
    // Pango's own reading of its format: the style words and the size are not the family.
    let parsed = gtk::pango::FontDescription::from_string(description);
    parsed.family().map(|f| f.to_string())
}

#[cfg(not(target_os = "linux"))]
fn parse_family(_description: &str) -> Option<String> {
    None
}

/// The desktop's interface font family, as GTK has it. Call on the main thread, with GTK up
/// (in `setup`); elsewhere and on other systems, `None` (the page then uses `sans-serif`).
pub fn desktop_family() -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        use gtk::prelude::GtkSettingsExt;
        if !gtk::is_initialized_main_thread() {
            return None;
        }
        let name = gtk::Settings::default()?.gtk_font_name()?;
        family_of(name.as_str())
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::family_of;

    #[cfg(target_os = "linux")]
    #[test]
    fn the_family_is_read_without_its_style_or_size() {
        for (description, family) in [
            ("Cantarell 11", "Cantarell"),
            ("Noto Sans Bold 10", "Noto Sans"),
            ("Adwaita Sans 11", "Adwaita Sans"),
            ("DejaVu Sans Condensed Italic 9", "DejaVu Sans"),
            ("Sans 10", "Sans"),
        ] {
            assert_eq!(
                family_of(description).as_deref(),
                Some(family),
                "the family of {description:?}"
            );
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_family_the_stylesheet_could_not_hold_as_it_is_is_not_named() {
        for description in [
            "",
            "11",
            "Evil\" } body { color: red 11",
            "Semi;colon 10",
            "Back\\slash 10",
            &format!("{} 11", "A".repeat(65)),
        ] {
            assert_eq!(
                family_of(description),
                None,
                "{description:?} is not handed to the page"
            );
        }
    }
}
