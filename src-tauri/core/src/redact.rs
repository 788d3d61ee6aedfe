//! Making URLs safe to log.
//!
//! JazzHR takes its key as a query parameter, so a URL can carry a secret. Every URL that
//! reaches a log line goes through [`redact_url`], which blanks the provider's secret
//! parameter and, defensively, any parameter whose name looks like a credential.

use url::Url;

/// Parameter names that are blanked whatever the provider says.
const ALWAYS: &[&str] = &[
    "apikey",
    "api_key",
    "key",
    "token",
    "access_token",
    "password",
    "secret",
];

/// The URL with credential-bearing query values replaced by `REDACTED`, and any user
/// information removed.
pub fn redact_url(url: &Url, secret_param: Option<&str>) -> String {
    let mut out = url.clone();
    let _ = out.set_username("");
    let _ = out.set_password(None);
    if out.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let hide = Some(k.as_ref()) == secret_param
                    || ALWAYS.iter().any(|a| k.eq_ignore_ascii_case(a));
                let v = if hide {
                    "REDACTED".to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        out.query_pairs_mut().clear().extend_pairs(pairs);
    }
    out.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_query_values_are_blanked() {
        let url = Url::parse("https://u:p@api.example/v1/users?apikey=SEKRET&page=2&Token=x")
            .expect("url");
        let shown = redact_url(&url, Some("apikey"));
        assert!(!shown.contains("SEKRET"), "key leaked: {shown}");
        assert!(!shown.contains("u:p"), "userinfo leaked: {shown}");
        assert!(shown.contains("page=2"), "harmless params stay: {shown}");
        assert!(
            !shown.contains("Token=x"),
            "token-like params are blanked: {shown}"
        );
    }

    #[test]
    fn every_query_auth_provider_has_its_key_blanked() {
        let cat = crate::provider::Catalogue::embedded().expect("catalogue");
        let mut seen = 0;
        for p in cat.all() {
            let Some(param) = p.auth.secret_query_param() else {
                continue;
            };
            seen += 1;
            let mut url = Url::parse("https://api.example/v1/users?page=1").expect("url");
            url.query_pairs_mut().append_pair(param, "K3yCanary");
            let shown = redact_url(&url, Some(param));
            assert!(
                !shown.contains("K3yCanary"),
                "{}: key leaked: {shown}",
                p.id
            );
            assert!(
                shown.contains(&format!("{param}=REDACTED")),
                "{}: the parameter stays visible, blanked: {shown}",
                p.id
            );
        }
        assert!(seen >= 1, "JazzHR authenticates in the query");
    }
}
