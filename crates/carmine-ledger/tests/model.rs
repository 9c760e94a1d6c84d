//! The ledger against a model small enough to be obviously right: random sequences
//! of transfers, holds (posted, voided, expired), reversals and bad amounts, on
//! SQLite and PostgreSQL, must give the same results and the same balances.

use carmine_core::money::Currency;
use carmine_core::{ErrorCode, Id};
use carmine_ledger::posting::{self, Header, Leg};
use carmine_ledger::{AccountKind, AccountRef, Ledger, LedgerConfig, Owner, Stream, Transfer};
use carmine_store::Backend;
use carmine_store::testing::TestDb;
use proptest::prelude::*;

const USERS: usize = 4;

#[derive(Clone, Debug)]
enum Op {
    /// Money in from outside: clearing → a user's coins.
    Fund {
        to: usize,
        amount: i64,
    },
    /// user → user, optionally with a fee to revenue.
    Transfer {
        from: usize,
        to: usize,
        amount: i64,
        fee: i64,
    },
    Hold {
        from: usize,
        to: usize,
        amount: i64,
        ttl: i64,
    },
    PostHold(usize),
    VoidHold(usize),
    Advance(i64),
    Reverse(usize),
    BadAmount(i64),
}

fn op() -> impl Strategy<Value = Op> {
    let user = 0..USERS;
    prop_oneof![
        (user.clone(), 1..2_000i64).prop_map(|(to, amount)| Op::Fund { to, amount }),
        (user.clone(), user.clone(), 1..3_000i64, 0..50i64).prop_map(|(from, to, amount, fee)| Op::Transfer {
            from,
            to: if to == from { (to + 1) % USERS } else { to },
            amount,
            fee
        }),
        (user.clone(), user.clone(), 1..3_000i64, 1..120i64).prop_map(|(from, to, amount, ttl)| Op::Hold {
            from,
            to: if to == from { (to + 1) % USERS } else { to },
            amount,
            ttl
        }),
        (0..8usize).prop_map(Op::PostHold),
        (0..8usize).prop_map(Op::VoidHold),
        (1..90i64).prop_map(Op::Advance),
        (0..12usize).prop_map(Op::Reverse),
        prop_oneof![Just(0i64), Just(i64::MIN), Just(i64::MAX), Just(carmine_core::limits::MONEY_AMOUNT_MAX + 1)]
            .prop_map(Op::BadAmount),
    ]
}

/// Accounts 0..USERS are users' coins; then clearing (may go negative), then revenue.
const CLEARING: usize = USERS;
const REVENUE: usize = USERS + 1;

#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
struct ModelAccount {
    balance: i64,
    pending_debits: i64,
    pending_credits: i64,
}

/// A transaction's or hold's legs: (account index, signed amount).
type Legs = Vec<(usize, i64)>;

#[derive(Default)]
struct Model {
    accounts: [ModelAccount; USERS + 2],
    /// (legs, expires_at seconds, status)
    holds: Vec<(Legs, i64, &'static str, Id)>,
    /// (legs, is_reversal, reversed, id)
    transactions: Vec<(Legs, bool, bool, Id)>,
    now: i64,
}

impl Model {
    fn may_go_negative(account: usize) -> bool {
        account >= CLEARING
    }

    fn covers(&self, legs: &[(usize, i64)], held: bool) -> bool {
        legs.iter().all(|&(account, amount)| {
            let a = self.accounts[account];
            Self::may_go_negative(account)
                || amount >= 0
                || if held {
                    a.balance - a.pending_debits + amount >= 0
                } else {
                    a.balance + amount - a.pending_debits >= 0
                }
        })
    }

    fn post(&mut self, legs: &[(usize, i64)]) -> Result<(), ErrorCode> {
        if !self.covers(legs, false) {
            return Err(ErrorCode::InsufficientFunds);
        }
        for &(account, amount) in legs {
            self.accounts[account].balance += amount;
        }
        Ok(())
    }

    fn release(&mut self, legs: &[(usize, i64)], post: bool) {
        for &(account, amount) in legs {
            let a = &mut self.accounts[account];
            if amount < 0 {
                a.pending_debits += amount;
            } else {
                a.pending_credits -= amount;
            }
            if post {
                a.balance += amount;
            }
        }
    }
}

struct Real {
    ledger: Ledger,
    ids: Vec<AccountRef>,
    clock: carmine_core::Clock,
}

fn leg_list(from: usize, to: usize, amount: i64, fee: i64) -> Vec<(usize, i64)> {
    let mut legs = vec![(from, -amount), (to, amount - fee.min(amount - 1).max(0))];
    let fee = fee.min(amount - 1).max(0);
    if fee > 0 {
        legs.push((REVENUE, fee));
    }
    legs
}

async fn run_ops(test_db: TestDb, ops: Vec<Op>) {
    let ledger = Ledger::new(test_db.db.clone(), LedgerConfig::default());
    let cny = Currency::CNY;
    let mut ids: Vec<AccountRef> = (0..USERS)
        .map(|i| AccountRef::new(Owner::User(Id::from_i64(100 + i as i64)), AccountKind::Coins, cny))
        .collect();
    ids.push(AccountRef::platform(AccountKind::ProviderClearing, cny));
    ids.push(AccountRef::platform(AccountKind::Revenue(Stream::LiveGifts), cny));
    let real = Real { ledger, ids, clock: test_db.clock.clone() };
    let mut model = Model::default();
    for (step, op) in ops.iter().enumerate() {
        apply(&real, &mut model, op).await;
        for (index, account) in real.ids.iter().enumerate() {
            let balance = real.ledger.balance(*account).await.unwrap();
            let expected = model.accounts[index];
            assert_eq!(
                (balance.posted, balance.pending_out, balance.pending_in),
                (expected.balance, expected.pending_debits, expected.pending_credits),
                "account {index} after step {step} {op:?}"
            );
        }
    }
    let report = carmine_ledger::reconcile::reconcile(real.ledger.db()).await.unwrap();
    assert!(report.is_clean(), "{report:?}");
}

fn header(kind: &str) -> Header {
    Header::new(kind, "test", Id::from_i64(1), "")
}

async fn legs(real: &Real, legs: &[(usize, i64)]) -> Vec<Leg> {
    real.ledger.legs(&legs.iter().map(|&(i, amount)| (real.ids[i], amount)).collect::<Vec<_>>()).await.unwrap()
}

async fn apply(real: &Real, model: &mut Model, op: &Op) {
    let db = real.ledger.db();
    match *op {
        Op::Fund { to, amount } => {
            let spec = [(CLEARING, -amount), (to, amount)];
            let transfer =
                Transfer { header: header("transfer"), legs: spec.iter().map(|&(i, a)| (real.ids[i], a)).collect() };
            let id = real.ledger.transfer(transfer, None).await.expect("funding never fails");
            model.post(&spec).unwrap();
            model.transactions.push((spec.to_vec(), false, false, id));
        }
        Op::Transfer { from, to, amount, fee } => {
            let spec = leg_list(from, to, amount, fee);
            let transfer =
                Transfer { header: header("transfer"), legs: spec.iter().map(|&(i, a)| (real.ids[i], a)).collect() };
            let got = real.ledger.transfer(transfer, None).await;
            match model.post(&spec) {
                Ok(()) => model.transactions.push((spec.clone(), false, false, got.expect("the model allows it"))),
                Err(code) => assert_eq!(got.unwrap_err().code, code),
            }
        }
        Op::Hold { from, to, amount, ttl } => {
            let spec = leg_list(from, to, amount, 0);
            let resolved = legs(real, &spec).await;
            let mut tx = db.begin().await.unwrap();
            let expires = tx.now().plus_seconds(ttl);
            let got = posting::hold(&mut tx, &header("hold"), &resolved, expires).await;
            tx.commit().await.unwrap();
            if model.covers(&spec, true) {
                for &(account, amount) in &spec {
                    let a = &mut model.accounts[account];
                    if amount < 0 {
                        a.pending_debits -= amount;
                    } else {
                        a.pending_credits += amount;
                    }
                }
                model.holds.push((spec, model.now + ttl, "pending", got.expect("the model allows the hold")));
            } else {
                assert_eq!(got.unwrap_err().code, ErrorCode::InsufficientFunds);
            }
        }
        Op::PostHold(index) | Op::VoidHold(index) => {
            let Some((spec, expires, status, id)) = model.holds.get(index).cloned() else { return };
            let posting = matches!(op, Op::PostHold(_));
            let mut tx = db.begin().await.unwrap();
            let got = if posting {
                posting::post_hold(&mut tx, id).await.map(Some)
            } else {
                posting::void_hold(&mut tx, id, false).await.map(|_| None)
            };
            tx.commit().await.unwrap();
            let allowed = status == "pending" && (!posting || model.now < expires);
            if allowed {
                let transaction = got.expect("the model allows it");
                model.release(&spec, posting);
                model.holds[index].2 = if posting { "posted" } else { "voided" };
                if let Some(transaction) = transaction {
                    model.transactions.push((spec, false, false, transaction));
                }
            } else {
                assert_eq!(got.unwrap_err().code, ErrorCode::HoldNotPending);
            }
        }
        Op::Advance(seconds) => {
            real.clock.advance_seconds(seconds);
            model.now += seconds;
            real.ledger.expire_holds().await.unwrap();
            for index in 0..model.holds.len() {
                let (spec, expires, status, _) = model.holds[index].clone();
                if status == "pending" && expires <= model.now {
                    model.release(&spec, false);
                    model.holds[index].2 = "expired";
                }
            }
        }
        Op::Reverse(index) => {
            let Some((spec, is_reversal, reversed, id)) = model.transactions.get(index).cloned() else { return };
            let mut tx = db.begin().await.unwrap();
            let got = posting::reverse(&mut tx, id, "test").await;
            tx.commit().await.unwrap();
            if is_reversal || reversed {
                assert_eq!(got.unwrap_err().code, ErrorCode::AlreadyReversed);
                return;
            }
            let negated: Vec<(usize, i64)> = spec.iter().map(|&(a, amount)| (a, -amount)).collect();
            match model.post(&negated) {
                Ok(()) => {
                    model.transactions[index].2 = true;
                    model.transactions.push((negated, true, false, got.expect("the model allows the reversal")));
                }
                Err(code) => assert_eq!(got.unwrap_err().code, code),
            }
        }
        Op::BadAmount(amount) => {
            let transfer = Transfer {
                header: header("transfer"),
                legs: vec![(real.ids[0], amount), (real.ids[1], amount.wrapping_neg())],
            };
            let code = real.ledger.transfer(transfer, None).await.unwrap_err().code;
            assert!(matches!(code, ErrorCode::InvalidAmount | ErrorCode::UnbalancedTransaction), "{code:?}");
        }
    }
}

fn run_case(backend: Backend, ops: Vec<Op>) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async move {
        if let Some(test_db) = TestDb::for_backend(backend).await {
            run_ops(test_db, ops).await;
        }
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn sqlite_ledger_matches_the_model(ops in proptest::collection::vec(op(), 1..40)) {
        run_case(Backend::Sqlite, ops);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn postgres_ledger_matches_the_model(ops in proptest::collection::vec(op(), 1..40)) {
        run_case(Backend::Postgres, ops);
    }
}
