//! The API suite: every test runs on SQLite and on PostgreSQL (`sqlite::…`,
//! `postgres::…`) against a fresh database and the real router.

mod helpers;

mod accounts;
mod admin;
mod ads;
mod ads_billing;
mod ads_boosts;
mod ads_manager;
mod ads_paid;
mod ads_reports;
mod after_sales;
mod bad_input;
mod boards;
mod catalogue;
mod commerce;
mod dataplane;
mod engagement;
mod feed;
mod fulfilment;
mod http_limits;
mod media;
mod money;
mod notes;
mod openapi;
mod orders;
mod orgs;
mod pages;
mod reviews;
mod safety;
mod search;
mod shoppable;
mod tenancy;
