//! The `carmine` command: `serve`, `migrate` and `admin …`. A thin layer that
//! parses flags into the typed configuration and hands it to the crates.

mod backup;
mod bench;
mod bench_ads;
mod bench_commerce;
mod bench_ledger;
mod bench_orders;
mod bench_search;
mod cli;
mod startup;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    startup::init_logging(cli.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("carmine: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
