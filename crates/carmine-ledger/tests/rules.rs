//! The ledger's refusals on both databases: mixed currencies in one transaction, a
//! leg in another currency than its account, unbalanced legs, overdrafts, accounts
//! of the wrong kind for their owner — each a clear error with nothing written.

use carmine_core::money::Currency;
use carmine_core::{ErrorCode, Id};
use carmine_ledger::posting::{self, Header, Leg};
use carmine_ledger::{AccountKind, AccountRef, Ledger, LedgerConfig, Owner, Transfer};
use carmine_store::both_backends;
use carmine_store::testing::TestDb;

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

fn coins(user: i64, currency: Currency) -> AccountRef {
    AccountRef::new(Owner::User(Id::from_i64(user)), AccountKind::Coins, currency)
}

fn header() -> Header {
    Header::new("transfer", "test", Id::from_i64(1), "")
}

async fn refusals_write_nothing(test_db: TestDb) {
    let ledger = Ledger::new(test_db.db.clone(), LedgerConfig::default());
    let clearing = AccountRef::platform(AccountKind::ProviderClearing, Currency::CNY);
    let fund = Transfer { header: header(), legs: vec![(clearing, -1_000), (coins(1, Currency::CNY), 1_000)] };
    ledger.transfer(fund, None).await.unwrap();
    let count = || async {
        let mut conn = test_db.db.reader().await.unwrap();
        carmine_store::ledger::transaction_count(&mut conn).await.unwrap()
    };
    let before = count().await;

    // Mixed currencies in one transaction, even if each would balance on its own.
    let mixed = vec![
        (coins(1, Currency::CNY), -100),
        (coins(2, Currency::CNY), 100),
        (coins(3, usd()), -100),
        (coins(4, usd()), 100),
    ];
    let refused = ledger.transfer(Transfer { header: header(), legs: mixed }, None).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::CurrencyMismatch);

    // A leg whose currency is not its account's (resolved ids reused by mistake).
    let cny_account = ledger.account(coins(1, Currency::CNY)).await.unwrap();
    let usd_account = ledger.account(coins(5, usd())).await.unwrap();
    let legs = [
        Leg { account_id: cny_account, currency: usd(), amount: -50 },
        Leg { account_id: usd_account, currency: usd(), amount: 50 },
    ];
    let mut tx = test_db.db.begin().await.unwrap();
    assert_eq!(posting::post(&mut tx, &header(), &legs).await.unwrap_err().code, ErrorCode::CurrencyMismatch);
    tx.commit().await.unwrap();

    // Unbalanced, overdrawn, zero and oversized legs.
    let cases: Vec<(Vec<(AccountRef, i64)>, ErrorCode)> = vec![
        (vec![(coins(1, Currency::CNY), -100), (coins(2, Currency::CNY), 99)], ErrorCode::UnbalancedTransaction),
        (vec![(coins(1, Currency::CNY), -1_001), (coins(2, Currency::CNY), 1_001)], ErrorCode::InsufficientFunds),
        (vec![(coins(1, Currency::CNY), 0), (coins(2, Currency::CNY), 0)], ErrorCode::InvalidAmount),
        (vec![(coins(1, Currency::CNY), -i64::MAX), (coins(2, Currency::CNY), i64::MAX)], ErrorCode::InvalidAmount),
    ];
    for (legs, code) in cases {
        let refused = ledger.transfer(Transfer { header: header(), legs: legs.clone() }, None).await.unwrap_err();
        assert_eq!(refused.code, code, "{legs:?}");
    }
    // The insufficient-funds refusal says what was available.
    let overdraft = vec![(coins(1, Currency::CNY), -5_000), (coins(2, Currency::CNY), 5_000)];
    let refused = ledger.transfer(Transfer { header: header(), legs: overdraft }, None).await.unwrap_err();
    assert_eq!(refused.details.unwrap()["available"]["amount_minor"], 1_000);

    // Only the platform holds system accounts; members never hold a deal escrow
    // (their ad balance holds what their boosts were given: ADR 0032).
    let wrong = AccountRef::new(Owner::User(Id::from_i64(1)), AccountKind::Escrow, Currency::CNY);
    assert_eq!(ledger.account(wrong).await.unwrap_err().code, ErrorCode::Internal);
    let platform_coins = AccountRef::platform(AccountKind::Coins, Currency::CNY);
    assert_eq!(ledger.account(platform_coins).await.unwrap_err().code, ErrorCode::Internal);

    assert_eq!(count().await, before, "no refusal wrote a transaction");
    assert_eq!(ledger.balance(coins(1, Currency::CNY)).await.unwrap().posted, 1_000);
    let report = carmine_ledger::reconcile::reconcile(&test_db.db).await.unwrap();
    assert!(report.is_clean(), "{report:?}");
}

both_backends!(refusals_write_nothing);
