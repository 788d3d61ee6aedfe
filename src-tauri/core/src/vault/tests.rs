use super::*;

#[test]
fn secret_documents_round_trip() {
    let mut s = SecretFields::new();
    s.insert("a".into(), Secret::new("x\"y"));
    s.insert("b".into(), Secret::new("z"));
    let back = decode(&encode(&s)).expect("round trip");
    assert_eq!(back, s, "every secret field survives encoding");
    assert_eq!(
        decode("not json"),
        Err(VaultError::Damaged),
        "garbage is damage"
    );
}

#[test]
fn labels_read_back_to_provider_and_account() {
    let names = ["Humaans", "HiBob", "Namely", "Hi"];
    for (provider, account) in [
        ("Humaans", "Acme Ltd"),
        ("HiBob", "Acme (UK) Ltd"),
        ("Namely", "Namely"),
        ("Hi", "Bob"),
    ] {
        let label = item_label(provider, account);
        assert_eq!(
            parse_item_label(&label, names),
            Some((provider, account.to_string())),
            "{label} reads back"
        );
    }
    assert_eq!(
        item_label("Namely", ""),
        "Keystep — Namely",
        "an unnamed account is labelled by its provider"
    );
    for foreign in [
        "Keystep — Workday (Acme)",
        "Keystep — Humaans (",
        "Keystep — Humaans ()",
        "Keystep — HumaansX",
        "Humaans (Acme)",
        "",
    ] {
        assert_eq!(
            parse_item_label(foreign, names),
            None,
            "{foreign:?} is not a Keystep label"
        );
    }
}

#[test]
fn memory_vault_lists_relabels_and_damages() {
    let v = MemoryVault::default();
    let mut s = SecretFields::new();
    s.insert("k".into(), Secret::new("v"));
    let item = ItemRef {
        account: "a1".into(),
        label: "Keystep — Humaans (A)".into(),
    };
    v.put(&item, &s).expect("put");
    v.relabel(&ItemRef {
        account: "a1".into(),
        label: "Keystep — Humaans (B)".into(),
    })
    .expect("relabel");
    v.relabel(&ItemRef {
        account: "gone".into(),
        label: "x".into(),
    })
    .expect("relabelling a missing item is not an error");
    assert_eq!(
        v.list().expect("list"),
        vec![ItemRef {
            account: "a1".into(),
            label: "Keystep — Humaans (B)".into()
        }],
        "one item, relabelled"
    );
    v.damage("a1");
    assert_eq!(
        v.get("a1"),
        Err(VaultError::Damaged),
        "damaged items do not read"
    );
    v.put(&item, &s).expect("rewrite");
    assert!(
        v.get("a1").expect("readable again").is_some(),
        "a rewrite repairs"
    );
    v.set_faults(Faults {
        put_after: Some(1),
        ..Faults::default()
    });
    v.put(&item, &s).expect("the first put still works");
    assert!(v.put(&item, &s).is_err(), "the second put fails");
    v.set_faults(Faults {
        cannot_list: true,
        ..Faults::default()
    });
    assert!(
        matches!(v.list(), Err(VaultError::CannotList(_))),
        "cannot list is its own error"
    );
}
