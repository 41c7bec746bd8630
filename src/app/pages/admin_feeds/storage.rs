//! What a feed keeps, as the feeds list shows it: its retention, and the
//! rows, size and age of the history it holds now.

use super::{retention::short, status::when};
use crate::model::{FeedStorage, Retention};
use leptos::prelude::*;

/// The feed's retention (`7d`, `forever`) and what it keeps now.
#[component]
pub fn Kept(
    #[prop(into)] retention: Signal<Option<Retention>>,
    #[prop(into)] storage: Signal<FeedStorage>,
) -> impl IntoView {
    view! {
        <dl class="grid grid-cols-2 gap-x-4 gap-y-2 text-sm sm:grid-cols-4">
            <div class="col-span-2 sm:col-span-1">
                <dt class="text-xs text-slate-500 dark:text-slate-400">"Retention"</dt>
                <dd class="font-mono" data-testid="feed-retention">{move || short(retention.get())}</dd>
            </div>
            <div class="col-span-2 sm:col-span-3">
                <dt class="text-xs text-slate-500 dark:text-slate-400">"Kept now"</dt>
                <dd class="tabular-nums" data-testid="feed-storage" title="Size estimated from the table's average row size">
                    {move || storage.with(summary)}
                </dd>
            </div>
        </dl>
    }
}

/// `12,345 rows · 4.2 MB · since 2026-11-24 12:00:01 UTC`, or
/// `nothing kept yet`.
fn summary(storage: &FeedStorage) -> String {
    if storage.rows <= 0 {
        return "nothing kept yet".into();
    }
    let rows = format!("{} {}", thousands(storage.rows), if storage.rows == 1 { "row" } else { "rows" });
    let since = storage.oldest.map(|t| format!("since {}", when(Some(t))));
    [Some(rows), Some(human_bytes(storage.bytes)), since].into_iter().flatten().collect::<Vec<_>>().join(" · ")
}

/// `n` with a comma between each group of three digits: `1,234,567`.
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A size in bytes for people, in steps of 1024 like Postgres reports
/// sizes: `512 B`, `4.2 KB`, `180 MB`, `1.5 GB`.
fn human_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if bytes < 1024 {
        return format!("{} B", bytes.max(0));
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    // Moves up a unit before the rounded figure would read 1024.
    while unit + 1 < UNITS.len() && value >= 1023.5 {
        value /= 1024.0;
        unit += 1;
    }
    if value < 9.95 { format!("{value:.1} {}", UNITS[unit]) } else { format!("{value:.0} {}", UNITS[unit]) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn counts_get_thousands_separators() {
        for (n, text) in [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1_000, "1,000"),
            (12_345, "12,345"),
            (1_234_567, "1,234,567"),
            (-45_000, "-45,000"),
            (i64::MIN, "-9,223,372,036,854,775,808"),
        ] {
            assert_eq!(thousands(n), text);
        }
    }

    #[test]
    fn sizes_read_in_the_largest_fitting_unit() {
        for (bytes, text) in [
            (-1, "0 B"),
            (0, "0 B"),
            (1_023, "1023 B"),
            (1_024, "1.0 KB"),
            (4_300, "4.2 KB"),
            (10_188, "9.9 KB"),
            (10_200, "10 KB"),
            (1_048_000, "1023 KB"),
            (1_048_100, "1.0 MB"),
            (180 * 1_048_576, "180 MB"),
            (1_610_612_736, "1.5 GB"),
            (i64::MAX, "8192 PB"),
        ] {
            assert_eq!(human_bytes(bytes), text, "{bytes}");
        }
    }

    #[test]
    fn what_is_kept_reads_in_one_line() {
        let oldest = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 1).single();
        let kept = FeedStorage { rows: 12_345, bytes: 4_404_019, oldest };
        assert_eq!(summary(&kept), "12,345 rows · 4.2 MB · since 2026-11-24 12:00:01 UTC");
        let one = FeedStorage { rows: 1, bytes: 180, oldest: None };
        assert_eq!(summary(&one), "1 row · 180 B");
        assert_eq!(summary(&FeedStorage::default()), "nothing kept yet");
    }
}
