//! A provider file's translations: the `[locales.<lang>]` tables, whose keys are dotted paths
//! to every text a person reads ([`Provider::texts`]), and the localized copy of a provider
//! ([`Provider::localized`]).

use std::collections::BTreeMap;

use crate::lang::Lang;

use super::schema::Provider;

impl Provider {
    /// A copy with every text a person reads in `lang`, from the file's `[locales]` table.
    ///
    /// The catalogue only holds validated files, whose translations are complete; should a
    /// text have none anyway, it stays in English rather than go blank.
    pub fn localized(&self, lang: Lang) -> Provider {
        let mut out = self.clone();
        if lang == Lang::En {
            return out;
        }
        let Some(Ok(translations)) = self.locales.get(lang.code()).map(flatten_locale) else {
            return out;
        };
        visit_texts(&mut out, |path, text| {
            if let Some(t) = translations.get(path) {
                text.clone_from(t);
            }
        });
        out
    }

    /// Every translatable text as `(path, English text)`, in file order.
    pub fn texts(&self) -> Vec<(String, String)> {
        let mut copy = self.clone();
        let mut out = Vec::new();
        visit_texts(&mut copy, |path, text| {
            out.push((path.to_string(), text.clone()))
        });
        out
    }
}

/// Calls `f` with the dotted path and a mutable reference of every text a person reads.
/// Names, checklists and permissions (the provider's own words), URLs, ids and templates
/// made only of placeholders are not visited: they are never translated.
fn visit_texts(p: &mut Provider, mut f: impl FnMut(&str, &mut String)) {
    f("needs", &mut p.needs);
    f("summary", &mut p.summary);
    f("prerequisite", &mut p.prerequisite);
    f("revoke", &mut p.revoke);
    if let Some(w) = &mut p.rotate_warning {
        f("rotate_warning", w);
    }
    for field in &mut p.fields {
        let base = format!("fields.{}", field.key);
        f(&format!("{base}.label"), &mut field.label);
        f(&format!("{base}.help"), &mut field.help);
        f(&format!("{base}.example"), &mut field.example);
        for o in &mut field.options {
            f(&format!("{base}.options.{}", o.value), &mut o.label);
        }
        if let Some(r) = &mut field.retired {
            f(&format!("{base}.retired.note"), &mut r.note);
        }
    }
    for purpose in &mut p.purposes {
        let base = format!("purposes.{}", purpose.id);
        f(&format!("{base}.label"), &mut purpose.label);
        f(&format!("{base}.summary"), &mut purpose.summary);
    }
    for step in &mut p.steps {
        let base = format!("steps.{}", step.id);
        f(&format!("{base}.title"), &mut step.title);
        f(&format!("{base}.body"), &mut step.body);
        if let Some(l) = &mut step.link_label {
            f(&format!("{base}.link_label"), l);
        }
        if let Some(w) = &mut step.warning {
            f(&format!("{base}.warning"), w);
        }
    }
    for check in &mut p.checks {
        let base = format!("checks.{}", check.id);
        f(&format!("{base}.doing"), &mut check.doing);
        for (n, e) in check.expect.iter_mut().enumerate() {
            if let Some(h) = &mut e.hint {
                f(&format!("{base}.expect.{n}.hint"), h);
            }
        }
    }
    for (n, line) in p.identity.success.iter_mut().enumerate() {
        f(&format!("identity.success.{n}"), line);
    }
    for (code, text) in &mut p.messages {
        f(&format!("messages.{}", code.as_str()), text);
    }
}

/// A `[locales.<lang>]` table as `path → text`: nested tables and dotted keys both become
/// dotted paths, so a file may write `steps.sign-in.title = …` or a `[locales.fr.steps]`
/// table alike.
pub(super) fn flatten_locale(table: &toml::Table) -> Result<BTreeMap<String, String>, String> {
    fn walk(
        prefix: &str,
        table: &toml::Table,
        out: &mut BTreeMap<String, String>,
    ) -> Result<(), String> {
        for (key, value) in table {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::String(s) => {
                    out.insert(path, s.clone());
                }
                toml::Value::Table(t) => walk(&path, t, out)?,
                _ => return Err(format!("`{path}` must be a text")),
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    walk("", table, &mut out)?;
    Ok(out)
}
