//! The benchmark's accounts: tenants registered in the emulator, dealt round-robin over the
//! providers (five of them, or all fifteen for issue 25's 100-account row), each a distinct
//! tenant (so none is refused as `already_linked`); `fleet15` makes each provider's tenants.

use keystep_emulator::Emulator;
use serde_json::Value;

// `super`, not `crate`: tests/cli/bench_fleet.rs includes both files as its own modules.
use super::fleet15::account;

/// Accounts the emulator knows, as `link_account` arguments.
pub struct Fleet {
    links: Vec<Value>,
}

/// No cap: the provider documents no rate limit.
const FREE: usize = usize::MAX;

/// All fifteen providers in the order [`Fleet::seed_all`] deals them, each with the most
/// accounts it takes. Linking is paced by each provider file's documented limits, counted
/// by the window's one pacer across accounts in real time, and the window links its book one
/// account after another: once a provider's linkings have sent a limit's worth of the
/// requests it counts within its window, the next waits for the window to move on.
///
/// A cap is the most accounts whose linkings (purpose `read`) fit the counted requests in
/// one window, so they never wait however fast they follow each other:
///
/// - Workable, 5: 10 requests every 10 seconds, every request, 2 a linking (the account,
///   candidates). A sixth linking would wait 10 seconds.
/// - Deel, 6 rather than 2: 5 requests a second, every request, 2 a linking (the
///   organization, people). Its twelve requests wait 2 seconds at most, in 1-second steps,
///   so Deel keeps its share of the book.
/// - PayFit, 20: 20 writes a second, 1 a linking (the key's introspection; its one read, the
///   company, is under the 50 reads a second).
/// - HiBob, 50: 50 a minute on `POST /people/search`, 1 a linking (of 3).
/// - JazzHR, 100: 100 a minute, every request, 1 a linking.
/// - Namely, 100: 100 a minute on `GET /profiles`, 1 a linking (of 3).
/// - Personio, 150: 150 a minute on `POST /v2/auth/token`, 1 a linking (of 2).
/// - Ashby, 166: 1,000 a minute, every request, 6 a linking.
///
/// So linking 100 accounts waits 2 seconds at the very most (Deel's), and in the window, at
/// a linking every tenth of a second or slower, not at all. Only Workable's cap binds at 100:
/// the account it leaves goes to the next provider in the round.
const FIFTEEN: [(&str, usize); 15] = [
    ("payfit", 20),
    ("hibob", 50),
    ("humaans", FREE),
    ("jazzhr", 100),
    ("namely", 100),
    ("bamboohr", FREE),
    ("greenhouse", FREE),
    ("personio", 150),
    ("ashby", 166),
    ("lever", FREE),
    ("workable", 5),
    ("factorial", FREE),
    ("rippling", FREE),
    ("deel", 6),
    ("teamtailor", FREE),
];

impl Fleet {
    /// Registers `n` tenants, round-robin over the first five providers (Humaans, PayFit,
    /// HiBob, JazzHR, Namely), in `emu`, with no more than `hibob` of them at HiBob (the
    /// caller's choice: HiBob's pace once allowed 10 requests a minute; now its documented
    /// limit, 50 people searches a minute, holds 50 linkings, as [`FIFTEEN`] says).
    pub fn seed(emu: &Emulator, n: usize, hibob: usize) -> Self {
        let five = [
            ("humaans", FREE),
            ("payfit", FREE),
            ("hibob", hibob),
            ("jazzhr", FREE),
            ("namely", FREE),
        ];
        Fleet {
            links: deal(emu, n, &five),
        }
    }

    /// Registers `n` tenants, round-robin over all fifteen providers, in `emu`, within each
    /// provider's cap ([`FIFTEEN`] gives them and why): issue 25's row of 100 accounts.
    pub fn seed_all(emu: &Emulator, n: usize) -> Self {
        Fleet {
            links: deal(emu, n, &FIFTEEN),
        }
    }

    /// The `link_account` arguments, one per account.
    pub fn links(&self) -> Vec<Value> {
        self.links.clone()
    }
}

/// `n` accounts dealt round-robin over `providers`, a provider skipped once it holds its
/// cap; each provider's `k`th account is its `k`th tenant.
///
/// # Panics
/// When the caps hold fewer than `n` accounts in all.
fn deal(emu: &Emulator, n: usize, providers: &[(&str, usize)]) -> Vec<Value> {
    let room = providers
        .iter()
        .fold(0usize, |sum, (_, cap)| sum.saturating_add(*cap));
    assert!(
        room >= n,
        "the providers' caps hold {room} accounts, not {n}"
    );
    let mut taken = vec![0; providers.len()];
    let mut links = Vec::with_capacity(n);
    for (p, (id, cap)) in providers.iter().enumerate().cycle() {
        if links.len() == n {
            break;
        }
        if taken[p] < *cap {
            links.push(account(emu, id, taken[p]));
            taken[p] += 1;
        }
    }
    links
}
