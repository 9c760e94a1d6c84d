//! Who holds money and in which account: owners, account kinds, the platform's
//! revenue streams, and which accounts may go below zero (only flagged system ones).

use carmine_core::Id;
use carmine_core::money::Currency;

/// Who an account belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Owner {
    Platform,
    User(Id),
    Org(Id),
}

impl Owner {
    pub fn kind(self) -> &'static str {
        match self {
            Owner::Platform => "platform",
            Owner::User(_) => "user",
            Owner::Org(_) => "org",
        }
    }

    /// The platform's id is 0.
    pub fn id(self) -> Id {
        match self {
            Owner::Platform => Id::from_i64(0),
            Owner::User(id) | Owner::Org(id) => id,
        }
    }

    pub fn from_parts(kind: &str, id: Id) -> Option<Owner> {
        match kind {
            "platform" => Some(Owner::Platform),
            "user" => Some(Owner::User(id)),
            "org" => Some(Owner::Org(id)),
            _ => None,
        }
    }
}

/// The platform's revenue, one account per stream (and currency).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stream {
    Advertising,
    CommerceCommissions,
    LiveGifts,
    MarketplaceFees,
    SaasSubscriptions,
    DataProducts,
    ReferralFees,
}

impl Stream {
    pub const ALL: [Stream; 7] = [
        Stream::Advertising,
        Stream::CommerceCommissions,
        Stream::LiveGifts,
        Stream::MarketplaceFees,
        Stream::SaasSubscriptions,
        Stream::DataProducts,
        Stream::ReferralFees,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Advertising => "advertising",
            Stream::CommerceCommissions => "commerce_commissions",
            Stream::LiveGifts => "live_gifts",
            Stream::MarketplaceFees => "marketplace_fees",
            Stream::SaasSubscriptions => "saas_subscriptions",
            Stream::DataProducts => "data_products",
            Stream::ReferralFees => "referral_fees",
        }
    }

    /// The English label (user-facing strings are kept here, in one place).
    pub fn label(self) -> &'static str {
        match self {
            Stream::Advertising => "Advertising",
            Stream::CommerceCommissions => "Commerce commissions",
            Stream::LiveGifts => "Live gifts",
            Stream::MarketplaceFees => "Marketplace facilitation fees",
            Stream::SaasSubscriptions => "SaaS subscriptions",
            Stream::DataProducts => "Data products",
            Stream::ReferralFees => "Referral fees",
        }
    }

    pub fn parse(text: &str) -> Option<Stream> {
        Stream::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What an account is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountKind {
    /// A member's coins: what they paid in and have not spent (a liability of the platform).
    Coins,
    /// What a creator (member) or an organization earned and may withdraw.
    Earnings,
    /// An organization's prepaid advertising balance; for a member, the coins their
    /// running boosts hold (moved from `Coins`, the unspent moved back).
    AdBalance,
    /// What the platform owes a merchant for orders, before settlement.
    MerchantReceivable,
    /// Money a brand set aside for creator deals.
    Escrow,
    /// Buyers' payments for orders, held by the platform until each order settles.
    CommerceEscrow,
    /// What the platform's coupons cost: paid to merchants at settlement, funded from
    /// commerce revenue. Its negative balance is the subsidy spent beyond what was put in.
    CouponSubsidy,
    /// What a merchant organization owes the platform after a refund clawed back more
    /// than its earnings held: a receivable of the platform, kept by organization,
    /// negative while owed and netted at the merchant's next settlement.
    OwedByMerchant,
    /// The same for a creator whose affiliate commission was clawed back after payout.
    OwedByCreator,
    /// Money at the payment provider: the far side of every top-up, refund and payout.
    ProviderClearing,
    /// Withdrawals sent and not yet confirmed by the provider.
    PayoutsInTransit,
    Revenue(Stream),
}

impl AccountKind {
    /// Every kind, revenue streams included.
    pub const ALL: [AccountKind; 18] = [
        AccountKind::Coins,
        AccountKind::Earnings,
        AccountKind::AdBalance,
        AccountKind::MerchantReceivable,
        AccountKind::Escrow,
        AccountKind::CommerceEscrow,
        AccountKind::CouponSubsidy,
        AccountKind::OwedByMerchant,
        AccountKind::OwedByCreator,
        AccountKind::ProviderClearing,
        AccountKind::PayoutsInTransit,
        AccountKind::Revenue(Stream::Advertising),
        AccountKind::Revenue(Stream::CommerceCommissions),
        AccountKind::Revenue(Stream::LiveGifts),
        AccountKind::Revenue(Stream::MarketplaceFees),
        AccountKind::Revenue(Stream::SaasSubscriptions),
        AccountKind::Revenue(Stream::DataProducts),
        AccountKind::Revenue(Stream::ReferralFees),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Coins => "coins",
            AccountKind::Earnings => "earnings",
            AccountKind::AdBalance => "ad_balance",
            AccountKind::MerchantReceivable => "merchant_receivable",
            AccountKind::Escrow => "escrow",
            AccountKind::CommerceEscrow => "commerce_escrow",
            AccountKind::CouponSubsidy => "coupon_subsidy",
            AccountKind::OwedByMerchant => "owed_by_merchant",
            AccountKind::OwedByCreator => "owed_by_creator",
            AccountKind::ProviderClearing => "provider_clearing",
            AccountKind::PayoutsInTransit => "payouts_in_transit",
            AccountKind::Revenue(stream) => match stream {
                Stream::Advertising => "revenue_advertising",
                Stream::CommerceCommissions => "revenue_commerce_commissions",
                Stream::LiveGifts => "revenue_live_gifts",
                Stream::MarketplaceFees => "revenue_marketplace_fees",
                Stream::SaasSubscriptions => "revenue_saas_subscriptions",
                Stream::DataProducts => "revenue_data_products",
                Stream::ReferralFees => "revenue_referral_fees",
            },
        }
    }

    pub fn parse(text: &str) -> Option<AccountKind> {
        AccountKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The English label.
    pub fn label(self) -> &'static str {
        match self {
            AccountKind::Coins => "Coins",
            AccountKind::Earnings => "Earnings",
            AccountKind::AdBalance => "Ad balance",
            AccountKind::MerchantReceivable => "Merchant receivable",
            AccountKind::Escrow => "Escrow",
            AccountKind::CommerceEscrow => "Commerce escrow",
            AccountKind::CouponSubsidy => "Coupon subsidy",
            AccountKind::OwedByMerchant => "Owed by merchant",
            AccountKind::OwedByCreator => "Owed by creator",
            AccountKind::ProviderClearing => "Provider clearing",
            AccountKind::PayoutsInTransit => "Payouts in transit",
            AccountKind::Revenue(stream) => stream.label(),
        }
    }

    /// Only the platform's own accounts may go below zero: provider clearing (money
    /// at the provider is an asset, its balance is negative by convention), revenue
    /// (a reversal may take back what was earned), the coupon subsidy, and what
    /// merchants and creators owe it (receivables, negative while owed). A member's,
    /// creator's or organization's own money never does.
    pub fn may_go_negative(self) -> bool {
        matches!(
            self,
            AccountKind::ProviderClearing
                | AccountKind::Revenue(_)
                | AccountKind::CouponSubsidy
                | AccountKind::OwedByMerchant
                | AccountKind::OwedByCreator
        )
    }

    /// Receivables of the platform kept by whom they are about.
    pub fn is_owed_to_platform(self) -> bool {
        matches!(self, AccountKind::OwedByMerchant | AccountKind::OwedByCreator)
    }

    /// Which owners may hold this kind of account.
    pub fn allowed_for(self, owner: Owner) -> bool {
        match self {
            AccountKind::Coins => matches!(owner, Owner::User(_)),
            // A member's ad balance holds the coins their boosts were given.
            AccountKind::Earnings | AccountKind::AdBalance => matches!(owner, Owner::User(_) | Owner::Org(_)),
            AccountKind::MerchantReceivable | AccountKind::Escrow | AccountKind::OwedByMerchant => {
                matches!(owner, Owner::Org(_))
            }
            AccountKind::OwedByCreator => matches!(owner, Owner::User(_)),
            AccountKind::ProviderClearing
            | AccountKind::PayoutsInTransit
            | AccountKind::CommerceEscrow
            | AccountKind::CouponSubsidy
            | AccountKind::Revenue(_) => owner == Owner::Platform,
        }
    }
}

/// One account, named by who holds it, what for and in which currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AccountRef {
    pub owner: Owner,
    pub kind: AccountKind,
    pub currency: Currency,
}

impl AccountRef {
    pub fn new(owner: Owner, kind: AccountKind, currency: Currency) -> AccountRef {
        AccountRef { owner, kind, currency }
    }

    pub fn platform(kind: AccountKind, currency: Currency) -> AccountRef {
        AccountRef { owner: Owner::Platform, kind, currency }
    }
}

/// An account's balances as a statement shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Balance {
    pub account_id: Id,
    pub kind: AccountKind,
    pub currency: Currency,
    /// Everything posted.
    pub posted: i64,
    /// Posted minus what pending holds reserve: what may be spent or withdrawn now.
    pub available: i64,
    /// Reserved by pending holds on their way out, and on their way in.
    pub pending_out: i64,
    pub pending_in: i64,
}

impl Balance {
    pub(crate) fn from_record(record: &carmine_store::ledger::AccountRecord) -> Option<Balance> {
        Some(Balance {
            account_id: record.id,
            kind: AccountKind::parse(&record.kind)?,
            currency: Currency::parse(&record.currency)?,
            posted: record.balance,
            available: record.balance - record.pending_debits,
            pending_out: record.pending_debits,
            pending_in: record.pending_credits,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_only_system_accounts_go_negative() {
        for stream in Stream::ALL {
            assert!(AccountKind::ALL.contains(&AccountKind::Revenue(stream)), "{stream:?}");
        }
        for kind in AccountKind::ALL {
            assert_eq!(AccountKind::parse(kind.as_str()), Some(kind));
            if kind.may_go_negative() && !kind.is_owed_to_platform() {
                assert!(kind.allowed_for(Owner::Platform), "{kind:?}");
                assert!(!kind.allowed_for(Owner::User(Id::from_i64(1))), "{kind:?}");
            }
        }
        assert_eq!(AccountKind::parse("revenue_nothing"), None);
    }
}
