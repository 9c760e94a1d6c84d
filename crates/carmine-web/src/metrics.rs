//! A small Prometheus registry owned by the application state (no global
//! recorder): request counts by route, method and status, and request latency
//! histograms by route. Rendered in the text exposition format at `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

const BUCKETS_SECONDS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS_SECONDS.len()],
    count: u64,
    sum: f64,
}

/// A point-in-time value: one sample of a gauge family.
pub struct Gauge {
    pub name: &'static str,
    pub help: &'static str,
    pub labels: Vec<(&'static str, String)>,
    pub value: f64,
}

impl Gauge {
    pub fn new(name: &'static str, help: &'static str, value: f64) -> Gauge {
        Gauge { name, help, labels: Vec::new(), value }
    }

    pub fn with(mut self, label: &'static str, value: impl Into<String>) -> Gauge {
        self.labels.push((label, value.into()));
        self
    }
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
}

impl Metrics {
    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        *self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((route.to_owned(), method.to_owned(), status))
            .or_default() += 1;
        let mut latency = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        let histogram = latency.entry(route.to_owned()).or_default();
        for (bucket, bound) in histogram.counts.iter_mut().zip(BUCKETS_SECONDS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// The exposition text; `gauges` are point-in-time values the caller measured.
    pub fn render(&self, gauges: &[Gauge]) -> String {
        let mut out = String::new();
        out.push_str("# HELP carmine_http_requests_total HTTP requests by route, method and status.\n");
        out.push_str("# TYPE carmine_http_requests_total counter\n");
        for ((route, method, status), count) in self.requests.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = writeln!(
                out,
                "carmine_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {count}",
                escape(route)
            );
        }
        out.push_str("# HELP carmine_http_request_duration_seconds HTTP request latency by route.\n");
        out.push_str("# TYPE carmine_http_request_duration_seconds histogram\n");
        for (route, h) in self.latency.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let route = escape(route);
            for (bound, count) in BUCKETS_SECONDS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "carmine_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "carmine_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "carmine_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "carmine_http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count);
        }
        let mut described = Vec::new();
        for gauge in gauges {
            if !described.contains(&gauge.name) {
                described.push(gauge.name);
                let _ = writeln!(out, "# HELP {0} {1}\n# TYPE {0} gauge", gauge.name, gauge.help);
            }
            let labels = if gauge.labels.is_empty() {
                String::new()
            } else {
                let pairs: Vec<String> = gauge.labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
                format!("{{{}}}", pairs.join(","))
            };
            let _ = writeln!(out, "{}{labels} {}", gauge.name, gauge.value);
        }
        out
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.observe_request("GET", "/api/v1/me", 200, 0.003);
        metrics.observe_request("GET", "/api/v1/me", 200, 0.2);
        let text = metrics.render(&[
            Gauge::new("carmine_up", "always 1", 1.0),
            Gauge::new("carmine_lag", "lag", 3.0).with("consumer", "a"),
            Gauge::new("carmine_lag", "lag", 0.0).with("consumer", "b\"c"),
        ]);
        assert!(
            text.contains("carmine_http_requests_total{route=\"/api/v1/me\",method=\"GET\",status=\"200\"} 2"),
            "{text}"
        );
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.25\"} 2"));
        assert!(text.contains("carmine_http_request_duration_seconds_count{route=\"/api/v1/me\"} 2"));
        assert!(text.contains("carmine_up 1"));
        assert_eq!(text.matches("# TYPE carmine_lag gauge").count(), 1, "one description per family");
        assert!(text.contains("carmine_lag{consumer=\"a\"} 3\ncarmine_lag{consumer=\"b\\\"c\"} 0"), "{text}");
    }
}
