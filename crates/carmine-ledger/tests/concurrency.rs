//! Concurrent transfers: 64 tasks moving random amounts between 16 members (and,
//! in the hot variant, a fee to one platform revenue account with every transfer)
//! never overdraw anyone, never lose or invent a fen, and leave books that
//! reconcile. The tasks share two `Ledger`s — two group-commit writers, as two
//! nodes would have — so on PostgreSQL their batches really race. `CARMINE_LEDGER_STRESS_TRANSFERS` sets transfers per task (default
//! 60 here; the 1,000-per-task run is recorded in BENCHMARKS.md).

use carmine_core::money::Currency;
use carmine_core::{ErrorCode, Id};
use carmine_ledger::{AccountKind, AccountRef, Header, Ledger, LedgerConfig, Owner, Stream, Transfer};
use carmine_store::both_backends;
use carmine_store::testing::TestDb;

const TASKS: usize = 64;
const MEMBERS: usize = 16;
const START: i64 = 10_000;

fn transfers_per_task() -> usize {
    std::env::var("CARMINE_LEDGER_STRESS_TRANSFERS").ok().and_then(|v| v.parse().ok()).unwrap_or(60)
}

/// xorshift64*: deterministic per task, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % below
    }
}

fn member(i: usize) -> AccountRef {
    AccountRef::new(Owner::User(Id::from_i64(1_000 + i as i64)), AccountKind::Coins, Currency::CNY)
}

async fn stress(test_db: TestDb, hot: bool) {
    let ledger = Ledger::new(test_db.db.clone(), LedgerConfig::default());
    let second_node = Ledger::new(test_db.db.clone(), LedgerConfig::default());
    let clearing = AccountRef::platform(AccountKind::ProviderClearing, Currency::CNY);
    let revenue = AccountRef::platform(AccountKind::Revenue(Stream::LiveGifts), Currency::CNY);
    for i in 0..MEMBERS {
        let fund = Transfer {
            header: Header::new("transfer", "test", Id::from_i64(1), "fund"),
            legs: vec![(clearing, -START), (member(i), START)],
        };
        ledger.transfer(fund, None).await.unwrap();
    }
    let per_task = transfers_per_task();
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let ledger = if task % 2 == 0 { ledger.clone() } else { second_node.clone() };
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (task as u64 + 1));
            let (mut done, mut refused) = (0, 0);
            for n in 0..per_task {
                let from = rng.next(MEMBERS as u64) as usize;
                let to = (from + 1 + rng.next(MEMBERS as u64 - 1) as usize) % MEMBERS;
                let amount = 2 + rng.next(3_000) as i64;
                let mut legs = vec![(member(from), -amount)];
                // One fen per transfer: the hot account is credited every time while the
                // members' money lasts the whole run.
                let fee = if hot && amount > 1 { 1 } else { 0 };
                if fee > 0 {
                    legs.push((revenue, fee));
                }
                legs.push((member(to), amount - fee));
                let header = Header::new("transfer", "test", Id::from_i64((task * per_task + n) as i64 + 1), "");
                match ledger.transfer(Transfer { header, legs }, None).await {
                    Ok(_) => done += 1,
                    Err(error) if error.code == ErrorCode::InsufficientFunds => refused += 1,
                    Err(error) => panic!("unexpected {error:?}"),
                }
            }
            (done, refused)
        }));
    }
    let (mut done, mut refused) = (0, 0);
    for task in tasks {
        let (d, r) = task.await.unwrap();
        done += d;
        refused += r;
    }
    assert_eq!(done + refused, TASKS * per_task);
    eprintln!(
        "{} {TASKS} tasks × {per_task} transfers{}: {done} written, {refused} refused (insufficient funds) in {:.1} s",
        test_db.db.backend().name(),
        if hot { " with a fee to one revenue account" } else { "" },
        started.elapsed().as_secs_f64()
    );
    assert!(done > 0 && refused > 0, "the run must exercise both outcomes: {done} done, {refused} refused");
    let mut members_total = 0;
    for i in 0..MEMBERS {
        let balance = ledger.balance(member(i)).await.unwrap();
        assert!(balance.posted >= 0, "member {i} went negative: {balance:?}");
        members_total += balance.posted;
    }
    let revenue_total = ledger.balance(revenue).await.unwrap().posted;
    assert_eq!(members_total + revenue_total, START * MEMBERS as i64, "money was lost or invented");
    assert_eq!(ledger.balance(clearing).await.unwrap().posted, -START * MEMBERS as i64);
    // In the hot variant every written transfer paid the platform exactly one fen.
    assert_eq!(revenue_total, if hot { done as i64 } else { 0 });
    let report = carmine_ledger::reconcile::reconcile(&test_db.db).await.unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report.transactions as usize, MEMBERS + done);
}

async fn concurrent_transfers_conserve_money(test_db: TestDb) {
    stress(test_db, false).await;
}

async fn concurrent_transfers_through_a_hot_revenue_account(test_db: TestDb) {
    stress(test_db, true).await;
}

/// Two nodes' writers get the same key at once (a client retrying against another
/// node): exactly one transfer is written; the others are told the key is in use.
async fn one_key_on_two_nodes_moves_money_once(test_db: TestDb) {
    let nodes = [
        Ledger::new(test_db.db.clone(), LedgerConfig::default()),
        Ledger::new(test_db.db.clone(), LedgerConfig::default()),
    ];
    let clearing = AccountRef::platform(AccountKind::ProviderClearing, Currency::CNY);
    let fund = Transfer {
        header: Header::new("transfer", "test", Id::from_i64(1), "fund"),
        legs: vec![(clearing, -START), (member(0), START)],
    };
    nodes[0].transfer(fund, None).await.unwrap();
    let key = carmine_ledger::IdempotencyKey::new(Id::from_i64(1_000), "same-key", "test", b"same body").unwrap();
    let mut attempts = Vec::new();
    for n in 0..16 {
        let (ledger, key) = (nodes[n % 2].clone(), key.clone());
        attempts.push(tokio::spawn(async move {
            let header = Header::new("transfer", "test", Id::from_i64(1), "");
            ledger.transfer(Transfer { header, legs: vec![(member(0), -700), (member(1), 700)] }, Some(&key)).await
        }));
    }
    let mut written = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => written += 1,
            Err(error) => assert_eq!(error.code, ErrorCode::IdempotencyKeyInUse, "{error:?}"),
        }
    }
    assert_eq!(written, 1);
    assert_eq!(nodes[0].balance(member(1)).await.unwrap().posted, 700);
    let report = carmine_ledger::reconcile::reconcile(&test_db.db).await.unwrap();
    assert!(report.is_clean() && report.transactions == 2, "{report:?}");
}

both_backends!(
    concurrent_transfers_conserve_money,
    concurrent_transfers_through_a_hot_revenue_account,
    one_key_on_two_nodes_moves_money_once,
);
