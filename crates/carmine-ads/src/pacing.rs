//! Pacing: a campaign may have spent, at any moment, only about the share of its
//! daily budget that the share of the day's traffic seen so far calls for, so it
//! does not spend its day in the morning and is there in the evening when members
//! are. The day's traffic curve is the typical one of a Chinese social app (quiet
//! from 1 to 6, a lunch rise, the peak from 20 to 23) in the instance's time zone.

use carmine_core::Timestamp;

/// Relative traffic per local hour (0–23).
const HOURLY: [f64; 24] = [
    3.0, 1.6, 0.9, 0.6, 0.5, 0.7, 1.4, 2.8, 3.9, 4.3, 4.5, 4.9, 5.6, 5.2, 4.6, 4.4, 4.6, 5.0, 5.5, 6.3, 7.4, 7.9, 7.1,
    5.0,
];

/// Room ahead of the curve, so a campaign is never starved by rounding: 15 % of the
/// spend due so far plus 2 % of the day.
const AHEAD: f64 = 1.15;
const FLOOR: f64 = 0.02;

/// The share of the day's traffic that has passed at `at` (local time), 0 to 1.
pub fn share_of_day(at: Timestamp) -> f64 {
    let time = at.local_datetime();
    let hour = time.hour() as usize;
    let into_hour = (f64::from(time.minute()) * 60.0 + f64::from(time.second())) / 3_600.0;
    let total: f64 = HOURLY.iter().sum();
    let before: f64 = HOURLY[..hour].iter().sum();
    (before + HOURLY[hour] * into_hour) / total
}

/// What a campaign of `daily_millis` may have spent by `at`.
pub fn allowance(daily_millis: i64, at: Timestamp) -> i64 {
    let share = (share_of_day(at) * AHEAD + FLOOR).min(1.0);
    (daily_millis as f64 * share) as i64
}

/// The traffic between two moments, in days of traffic (a whole day is 1).
pub fn traffic_between(from: Timestamp, to: Timestamp) -> f64 {
    if to <= from {
        return 0.0;
    }
    let days = from.local_date().until(to.local_date()).map_or(0, |span| span.get_days());
    f64::from(days) + share_of_day(to) - share_of_day(from)
}

/// What a boost of `total_millis` running from `starts_at` to `ends_at` may have
/// spent by `at`: its money spread over the traffic of its window, so a 6-hour boost
/// spends through its six hours and a week's through its week.
pub fn window_allowance(total_millis: i64, starts_at: Timestamp, ends_at: Timestamp, at: Timestamp) -> i64 {
    let whole = traffic_between(starts_at, ends_at);
    if whole <= 0.0 {
        return total_millis;
    }
    let share = (traffic_between(starts_at, at.min(ends_at)) / whole * AHEAD + FLOOR).min(1.0);
    (total_millis as f64 * share) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowance_follows_the_day() {
        carmine_core::clock::set_instance_zone("Asia/Shanghai").ok();
        let at = |hhmm: &str| Timestamp::parse_rfc3339(&format!("2026-12-04T{hhmm}:00+08:00")).unwrap();
        assert!(share_of_day(at("00:00")) < 1e-9);
        assert!((share_of_day(at("23:59")) - 1.0).abs() < 0.01);
        let morning = allowance(100_000, at("09:00"));
        let evening = allowance(100_000, at("20:00"));
        assert!(morning < 30_000, "most of the day's money is left at nine: {morning}");
        assert!((50_000..90_000).contains(&evening), "{evening}");
        assert_eq!(allowance(100_000, at("23:30")), 100_000);
        // A boost's window: nothing before it starts, spread through it, all by its end.
        let (start, end) = (at("18:00"), at("18:00").plus_seconds(6 * 3_600));
        assert_eq!(window_allowance(600_000, start, end, start), 12_000, "only the floor at the start");
        let halfway = window_allowance(600_000, start, end, start.plus_seconds(3 * 3_600));
        assert!((250_000..450_000).contains(&halfway), "{halfway}");
        assert_eq!(window_allowance(600_000, start, end, end), 600_000);
        let week = (at("10:00"), at("10:00").plus_seconds(7 * 86_400));
        let first_day = window_allowance(700_000, week.0, week.1, week.0.plus_seconds(86_400));
        assert!((100_000..200_000).contains(&first_day), "a seventh a day: {first_day}");
        assert!((traffic_between(week.0, week.1) - 7.0).abs() < 1e-9);
        let mut last = 0;
        for hour in 0..24 {
            let now = allowance(1_000_000, at(&format!("{hour:02}:30")));
            assert!(now >= last, "never less later in the day");
            last = now;
        }
    }
}
