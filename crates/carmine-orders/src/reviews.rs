//! Reviews and the store score (ADR 0026).
//!
//! A buyer of a received order reviews each product once: 1–5 stars, up to 1,000
//! characters, up to 9 of their own images; every review is a verified purchase. The
//! web layer may publish it as a note tagging the product too (it then shows among
//! the notes about the product) and links it here.
//!
//! **The store score** (shown on the store and product pages; it decides the
//! settlement tier) is computed over the last 180 days as
//! `0.6 × R + 0.2 × A + 0.2 × S`, where R is the average rating (1–5), A is
//! `5 × (1 − min(1, 4 × the share of received orders with a refunded after-sale))`
//! and S is `5 × the share of shipped orders shipped within 48 hours of payment`
//! (5 when there were none). Until a store has a review it keeps the neutral 4.50;
//! until it has reviews on `rated_orders_for_score` orders (20) it settles on the
//! slow tier. The score is recomputed with each review and hourly
//! (`orders.store_scores`) for stores whose orders or after-sales moved.

use std::time::Duration;

use carmine_core::event::DomainEvent;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_jobs::{BoxFuture, JobHandler};
use carmine_store::Tx;
use carmine_store::jobs::JobRecord;
use carmine_store::reviews::{self as rows, NewReview, ReviewRecord, ScoreInputs};

use crate::Orders;

/// Longest review text, in characters; most images.
pub const REVIEW_CHARS_MAX: usize = 1_000;
pub const REVIEW_IMAGES_MAX: usize = 9;
/// The window the store score looks at.
const SCORE_WINDOW_DAYS: i64 = 180;
/// The score of a store nobody has reviewed yet, × 100.
pub const NEUTRAL_SCORE_CENTI: i64 = 450;

/// What a buyer writes.
#[derive(Clone, Debug)]
pub struct ReviewInput {
    pub line_id: Id,
    pub rating: i64,
    pub body: String,
    pub media_ids: Vec<Id>,
}

/// The store score × 100 from its inputs (see the module's header).
pub fn score_centi(inputs: &ScoreInputs) -> i64 {
    if inputs.ratings == 0 {
        return NEUTRAL_SCORE_CENTI;
    }
    let rating = inputs.rating_sum as f64 / inputs.ratings as f64;
    let after_sales = if inputs.received_orders == 0 {
        5.0
    } else {
        5.0 * (1.0 - (4.0 * inputs.refunded_orders as f64 / inputs.received_orders as f64).min(1.0))
    };
    let shipping = if inputs.shipped_orders == 0 {
        5.0
    } else {
        5.0 * inputs.shipped_in_time as f64 / inputs.shipped_orders as f64
    };
    ((0.6 * rating + 0.2 * after_sales + 0.2 * shipping) * 100.0).round().clamp(0.0, 500.0) as i64
}

/// Recomputes a store's score and the reviewed orders it rests on.
pub async fn refresh_score(tx: &mut Tx, store_id: Id) -> Result<i64> {
    let since = tx.now().plus_seconds(-SCORE_WINDOW_DAYS * 86_400);
    let inputs = rows::score_inputs(tx.conn(), store_id, since).await?;
    let score = score_centi(&inputs);
    rows::set_store_score(tx, store_id, score, inputs.rated_orders).await?;
    Ok(score)
}

/// `orders.store_scores`, hourly: stores whose orders or after-sales moved in the
/// last two hours (up to 1,000 a run).
pub struct StoreScores;

impl JobHandler for StoreScores {
    fn kind(&self) -> &'static str {
        "orders.store_scores"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(3_600))
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, _: &'a JobRecord) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let since = tx.now().plus_seconds(-2 * 3_600);
            for store_id in rows::stores_with_activity(tx.conn(), since, 1_000).await? {
                refresh_score(tx, store_id).await?;
            }
            Ok(())
        })
    }
}

impl Orders {
    /// Checks a review before anything is written — the line, the stars, the text, the
    /// number of images, the order's status and a review already there — and returns
    /// the order, its line and the text as kept. (The review page checks this before it
    /// uploads the form's images.)
    pub async fn check_review(
        &self,
        buyer: Id,
        order_id: Id,
        input: &ReviewInput,
    ) -> Result<(crate::OrderDetail, carmine_store::orders::LineRecord, String)> {
        let detail = self.order(buyer, order_id).await?;
        let line = detail
            .lines
            .iter()
            .find(|l| l.id == input.line_id)
            .cloned()
            .ok_or_else(|| Error::invalid_field("line_id", "a line of this order"))?;
        if !(1..=5).contains(&input.rating) {
            return Err(Error::invalid_field("rating", "1 to 5 stars"));
        }
        let body = carmine_core::text::bounded_text("body", &input.body, 0, REVIEW_CHARS_MAX, true)?;
        if input.media_ids.len() > REVIEW_IMAGES_MAX {
            return Err(Error::invalid_field("media_ids", format!("at most {REVIEW_IMAGES_MAX} images")));
        }
        if !["completed", "settled"].contains(&detail.order.status.as_str()) {
            return Err(Error::new(ErrorCode::ReviewNotAllowed)
                .with_details(serde_json::json!({ "status": detail.order.status })));
        }
        if rows::has_reviewed(&mut *self.db.reader().await?, buyer, line.product_id).await? {
            return Err(Error::new(ErrorCode::AlreadyReviewed));
        }
        Ok((detail, line, body))
    }

    /// The buyer reviews a product of one of their received orders, once.
    pub async fn review(&self, buyer: Id, order_id: Id, input: &ReviewInput) -> Result<ReviewRecord> {
        let (detail, line, body) = self.check_review(buyer, order_id, input).await?;
        let mut conn = self.db.reader().await?;
        for (n, media_id) in input.media_ids.iter().enumerate() {
            let owned = carmine_store::media::get(&mut conn, *media_id).await?.is_some_and(|m| m.owner_id == buyer);
            if !owned || input.media_ids[..n].contains(media_id) {
                return Err(Error::invalid_field("media_ids", "your own images, each once"));
            }
        }
        drop(conn);
        let mut tx = self.db.begin().await?;
        let new = NewReview {
            id: tx.new_id(),
            order_id,
            line_id: line.id,
            product_id: line.product_id,
            store_id: detail.order.store_id,
            author_id: buyer,
            rating: input.rating,
            body: &body,
            option_label: &line.option_label,
            media_ids: &input.media_ids,
        };
        if !rows::insert(&mut tx, &new).await? {
            return Err(Error::new(ErrorCode::AlreadyReviewed));
        }
        refresh_score(&mut tx, detail.order.store_id).await?;
        tx.emit(DomainEvent::ReviewPosted {
            review_id: new.id,
            product_id: line.product_id,
            store_id: detail.order.store_id,
            rating: input.rating,
        })
        .await?;
        self.commerce.commit(tx).await?;
        self.review_record(new.id).await
    }

    async fn review_record(&self, id: Id) -> Result<ReviewRecord> {
        rows::get(&mut *self.db.reader().await?, id).await?.ok_or_else(|| Error::internal("lost a review"))
    }

    /// Links a review to the note it was published as (the author's own).
    pub async fn link_review_note(&self, author: Id, review_id: Id, note_id: Id) -> Result<ReviewRecord> {
        let review = self.review_record(review_id).await?;
        if review.author_id != author {
            return Err(Error::new(ErrorCode::OrderNotFound));
        }
        let mut tx = self.db.begin().await?;
        rows::set_note(&mut tx, review_id, note_id).await?;
        tx.commit().await?;
        self.review_record(review_id).await
    }

    /// A product's reviews, newest first (`limit + 1`: the extra one says there is
    /// more), and its rating (count, sum).
    pub async fn product_reviews(
        &self,
        product_id: Id,
        before: Option<Id>,
        limit: u32,
    ) -> Result<(Vec<ReviewRecord>, (i64, i64))> {
        let mut conn = self.db.reader().await?;
        let reviews = rows::of_product(&mut conn, product_id, before, limit + 1).await?;
        Ok((reviews, rows::product_rating(&mut conn, product_id).await?))
    }

    /// The buyer's reviews of an order's products.
    pub async fn order_reviews(&self, buyer: Id, order_id: Id) -> Result<Vec<ReviewRecord>> {
        self.order(buyer, order_id).await?;
        Ok(rows::of_order(&mut *self.db.reader().await?, order_id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_weighs_ratings_after_sales_and_shipping() {
        assert_eq!(score_centi(&ScoreInputs::default()), NEUTRAL_SCORE_CENTI);
        let perfect = ScoreInputs {
            ratings: 10,
            rating_sum: 50,
            rated_orders: 10,
            received_orders: 10,
            refunded_orders: 0,
            shipped_orders: 10,
            shipped_in_time: 10,
        };
        assert_eq!(score_centi(&perfect), 500);
        // One order in ten refunded costs 40 % of the after-sales part; half shipped late.
        let worse = ScoreInputs { refunded_orders: 1, shipped_in_time: 5, ..perfect };
        assert_eq!(score_centi(&worse), 300 + 60 + 50);
        // A quarter refunded leaves nothing of that part.
        let worst = ScoreInputs { rating_sum: 10, refunded_orders: 3, shipped_in_time: 0, ..perfect };
        assert_eq!(score_centi(&worst), 60);
    }
}
