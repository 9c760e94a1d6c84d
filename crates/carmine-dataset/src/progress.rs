//! Progress of long runs (import, export, generate) on stderr.

use std::io::{IsTerminal, Write};
use std::time::Instant;

/// Progress on stderr: a bar redrawn in place on a terminal, a line every few seconds
/// otherwise (logs), and a summary line per file.
pub(crate) struct Progress {
    file: &'static str,
    total: Option<u64>,
    enabled: bool,
    terminal: bool,
    started: Instant,
    last: Instant,
}

impl Progress {
    pub(crate) fn new(file: &'static str, total: Option<u64>, enabled: bool) -> Progress {
        let now = Instant::now();
        Progress { file, total, enabled, terminal: std::io::stderr().is_terminal(), started: now, last: now }
    }

    pub(crate) fn update(&mut self, done: u64) {
        if !self.enabled || (!self.terminal && self.last.elapsed().as_secs() < 5) {
            return;
        }
        self.last = Instant::now();
        let line = self.line(done);
        let mut err = std::io::stderr();
        let _ = if self.terminal { write!(err, "\r{line}\x1b[K") } else { writeln!(err, "{line}") };
    }

    pub(crate) fn finish(&mut self, done: u64) {
        if self.enabled {
            let line = self.line(done);
            let _ = if self.terminal {
                writeln!(std::io::stderr(), "\r{line}\x1b[K")
            } else {
                writeln!(std::io::stderr(), "{line}")
            };
        }
    }

    fn line(&self, done: u64) -> String {
        let seconds = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = done as f64 / seconds;
        match self.total.filter(|t| *t > 0) {
            Some(total) => {
                let ratio = (done as f64 / total as f64).min(1.0);
                let filled = (ratio * 30.0) as usize;
                format!(
                    "{:<20} [{}{}] {done}/{total} {:>5.1}% {rate:>9.0}/s",
                    self.file,
                    "#".repeat(filled),
                    " ".repeat(30 - filled),
                    ratio * 100.0
                )
            }
            None => format!("{:<20} {done} {rate:>9.0}/s", self.file),
        }
    }
}
