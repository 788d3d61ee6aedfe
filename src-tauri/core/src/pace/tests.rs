//! The pacer against tokio's paused clock: documented limits hold exactly and only on the
//! requests they name, nothing waits where nothing is documented, the provider's own waits
//! hold its lane, and the firewall's trigger is never reached.

use super::*;

/// The largest number of times inside any window starting at one of them.
fn busiest_window(times: &[Instant], window: Duration) -> usize {
    times
        .iter()
        .map(|start| {
            times
                .iter()
                .filter(|t| **t >= *start && t.duration_since(*start) < window)
                .count()
        })
        .max()
        .unwrap_or(0)
}

fn get(path: &str) -> Call<'_> {
    Call {
        method: "GET",
        path,
        read: true,
    }
}

fn limited(requests: u32, seconds: u32, only: Option<&str>) -> Pace {
    Pace {
        limits: vec![Limit {
            requests,
            seconds,
            only: only.map(str::to_string),
        }],
        ..Pace::default()
    }
}

#[tokio::test(start_paused = true)]
async fn a_documented_limit_holds_in_every_sliding_window() {
    let pacer = Arc::new(Pacer::new());
    let pace = limited(5, 60, None);
    let times = Arc::new(std::sync::Mutex::new(Vec::new()));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..17 {
        let (pacer, times, pace) = (Arc::clone(&pacer), Arc::clone(&times), pace.clone());
        tasks.spawn(async move {
            let _admission = pacer
                .admit("hibob", &pace, get("/x"))
                .await
                .expect("not held");
            times.lock().expect("not poisoned").push(Instant::now());
            tokio::time::sleep(Duration::from_millis(200)).await;
        });
    }
    while tasks.join_next().await.is_some() {}
    let times = times.lock().expect("not poisoned").clone();
    assert_eq!(times.len(), 17, "every request was admitted");
    assert_eq!(
        busiest_window(&times, Duration::from_secs(60)),
        5,
        "five per minute, and the window was filled"
    );
    let took = times.iter().max().expect("some").duration_since(start);
    assert_eq!(
        took,
        Duration::from_secs(180),
        "17 requests at 5 a minute take three full minutes after the first"
    );
}

#[tokio::test(start_paused = true)]
async fn without_a_documented_limit_a_thousand_requests_go_at_once() {
    let pacer = Pacer::new();
    let start = Instant::now();
    let mut admitted = Vec::new();
    for _ in 0..1_000 {
        admitted.push(
            pacer
                .admit("humaans", &Pace::default(), get("/people"))
                .await
                .expect("not held"),
        );
    }
    assert_eq!(
        Instant::now(),
        start,
        "no request waited: nothing documented, nothing invented"
    );
}

#[tokio::test(start_paused = true)]
async fn a_limit_counts_only_the_requests_it_names() {
    let pacer = Pacer::new();
    let pace = Pace {
        limits: vec![
            Limit {
                requests: 2,
                seconds: 60,
                only: Some("POST /people/search".into()),
            },
            Limit {
                requests: 3,
                seconds: 1,
                only: Some("writes".into()),
            },
        ],
        ..Pace::default()
    };
    let search = Call {
        method: "POST",
        path: "/people/search/",
        read: true,
    };
    let start = Instant::now();
    for _ in 0..50 {
        let _ = pacer
            .admit("p", &pace, get("/people"))
            .await
            .expect("admitted");
    }
    assert_eq!(Instant::now(), start, "other reads are not held");
    for _ in 0..3 {
        let _ = pacer.admit("p", &pace, search).await.expect("admitted");
    }
    assert_eq!(
        Instant::now() - start,
        Duration::from_secs(60),
        "the third search waited for the minute; it is a read, so the writes' limit let it be"
    );
    let write = Call {
        method: "DELETE",
        path: "/people/1",
        read: false,
    };
    let start = Instant::now();
    for _ in 0..4 {
        let _ = pacer.admit("p", &pace, write).await.expect("admitted");
    }
    assert_eq!(
        Instant::now() - start,
        Duration::from_secs(1),
        "the fourth write waited a second"
    );
}

#[tokio::test(start_paused = true)]
async fn a_wait_is_told_before_it_is_waited() {
    let pacer = Pacer::new();
    let pace = limited(1, 60, None);
    let told = std::sync::Mutex::new(Vec::new());
    let note = |why: &Hold, d: Duration| told.lock().expect("not poisoned").push((why.clone(), d));
    let _ = pacer.admit_noting("p", &pace, get("/"), &note).await;
    tokio::time::sleep(Duration::from_secs(12)).await;
    let _ = pacer.admit_noting("p", &pace, get("/"), &note).await;
    assert_eq!(
        *told.lock().expect("not poisoned"),
        [(Hold::Limit(pace.limits[0].clone()), Duration::from_secs(48))],
        "one hold, its limit and the time left"
    );
    assert_eq!(
        pace.limits[0].describe(),
        "1 a minute",
        "as a notice says it"
    );
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_refuses_requests_until_it_is_over() {
    let pacer = Pacer::new();
    let pace = Pace::default();
    pacer.hold("payfit", 7).await;
    assert_eq!(
        pacer.admit("payfit", &pace, get("/")).await.err(),
        Some(7),
        "refused at once, with the wait left"
    );
    assert!(
        pacer.admit("humaans", &pace, get("/")).await.is_ok(),
        "other providers are not held"
    );
    tokio::time::sleep(Duration::from_millis(6_500)).await;
    assert_eq!(
        pacer.admit("payfit", &pace, get("/")).await.err(),
        Some(1),
        "half a second left rounds up"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        pacer.admit("payfit", &pace, get("/")).await.is_ok(),
        "the wait is over"
    );
}

#[tokio::test(start_paused = true)]
async fn a_429_that_names_no_wait_backs_off_longer_each_time_until_an_answer_is_not_one() {
    let pacer = Pacer::new();
    let pace = Pace::default();
    let waits: Vec<Option<u64>> = (0..8)
        .map(|_| pacer.answered("humaans", &pace, 429, false))
        .collect();
    assert_eq!(
        waits,
        [1, 2, 4, 8, 16, 32, 60, 60].map(Some),
        "1, 2, 4… seconds, a minute at most"
    );
    assert_eq!(
        pacer.answered("humaans", &pace, 429, true),
        None,
        "a 429 naming its wait is held by that wait, not this one"
    );
    assert_eq!(
        pacer.answered("humaans", &pace, 200, false),
        None,
        "a success"
    );
    tokio::time::sleep(Duration::from_secs(61)).await;
    assert_eq!(
        pacer.answered("humaans", &pace, 429, false),
        Some(1),
        "after an answer that is not a 429, the back-off starts again"
    );
}

#[tokio::test(start_paused = true)]
async fn the_firewalls_trigger_is_never_reached() {
    let pacer = Pacer::new();
    let pace = Pace {
        firewall: Some(Firewall {
            statuses: vec![401, 403],
            count: 5,
            seconds: 10,
        }),
        ..Pace::default()
    };
    let start = Instant::now();
    let mut refused = Vec::new();
    for _ in 0..12 {
        let admission = pacer
            .admit("hibob", &pace, get("/"))
            .await
            .expect("admitted");
        refused.push(Instant::now());
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(admission);
        pacer.answered("hibob", &pace, 403, false);
    }
    // When each refusal came back: never five within ten seconds.
    let answers: Vec<Instant> = refused
        .iter()
        .map(|t| *t + Duration::from_millis(100))
        .collect();
    assert_eq!(
        busiest_window(&answers, Duration::from_secs(10)),
        4,
        "four refusals in a window at most: the fifth would block the machine"
    );
    assert!(
        Instant::now() - start >= Duration::from_secs(20),
        "twelve refusals took two windows of waiting"
    );
    assert_eq!(
        pacer.answered("hibob", &pace, 200, false),
        None,
        "a status the firewall does not count"
    );
}

#[tokio::test(start_paused = true)]
async fn requests_in_flight_count_towards_the_firewall_as_if_refused() {
    let pacer = Arc::new(Pacer::new());
    let pace = Pace {
        firewall: Some(Firewall {
            statuses: vec![401],
            count: 3,
            seconds: 10,
        }),
        ..Pace::default()
    };
    let start = Instant::now();
    let a = pacer
        .admit("hibob", &pace, get("/"))
        .await
        .expect("admitted");
    let b = pacer
        .admit("hibob", &pace, get("/"))
        .await
        .expect("admitted");
    assert_eq!(Instant::now(), start, "two in flight: below three");
    let third = {
        let (pacer, pace) = (Arc::clone(&pacer), pace.clone());
        tokio::spawn(async move {
            let _c = pacer
                .admit("hibob", &pace, get("/"))
                .await
                .expect("admitted");
            Instant::now()
        })
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        !third.is_finished(),
        "a third waits while two may still be refused"
    );
    drop(a);
    let _ = pacer.answered("hibob", &pace, 200, false);
    let admitted = third.await.expect("joined");
    assert_eq!(
        admitted - start,
        Duration::from_secs(3),
        "it goes as soon as one came back unrefused"
    );
    drop(b);
}

#[test]
fn a_pace_with_a_zero_or_an_unknown_only_is_refused() {
    for (pace, why) in [
        (
            Pace {
                concurrent: 0,
                ..Pace::default()
            },
            "concurrent",
        ),
        (limited(0, 60, None), "requests"),
        (limited(5, 0, None), "seconds"),
        (limited(5, 60, Some("search")), "only"),
        (limited(5, 60, Some("post /x")), "only"),
        (
            Pace {
                firewall: Some(Firewall {
                    statuses: vec![],
                    count: 5,
                    seconds: 10,
                }),
                ..Pace::default()
            },
            "firewall",
        ),
    ] {
        let e = pace.check().expect_err("refused");
        assert!(e.contains(why), "{why}: {e}");
    }
    assert!(
        limited(50, 60, Some("POST /people/search")).check().is_ok(),
        "a plain one"
    );
}
