use super::*;
use serde_json::json;

fn rule(value: serde_json::Value) -> AlertRule {
    serde_json::from_value(value).unwrap()
}

fn t(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
}

/// Feeds prices one tick a second from seq 1; the seqs that fired.
fn fire_on_prices(rule: &AlertRule, memory: &mut Memory, prices: &[f64]) -> Vec<Trigger> {
    let first = memory.last_seq.unwrap_or(0) + 1;
    prices
        .iter()
        .zip(first..)
        .filter_map(|(price, seq)| memory.observe(rule, &Observation::Tick { seq, ts: t(seq), price: *price }))
        .collect()
}

#[test]
fn a_price_crossing_up_down_up_fires_twice() {
    let above = rule(json!({"type": "price_above", "symbol": "AAPL", "level": 190}));
    let mut memory = Memory::default();
    let fired = fire_on_prices(&above, &mut memory, &[189.0, 189.5, 190.5, 191.0, 190.0, 188.0, 190.01, 195.0]);
    let ranges: Vec<(i64, i64, f64)> = fired.iter().map(|f| (f.seq_from, f.seq_to, f.value)).collect();
    assert_eq!(ranges, [(2, 3, 190.5), (6, 7, 190.01)], "an edge, not a level: 190 itself is not above");
    assert_eq!(fired[0].message, "AAPL at 190.5 crossed above 190");
    assert!(memory.firing);
}

#[test]
fn price_below_mirrors_above_and_a_rule_starting_beyond_the_level_fires_at_once() {
    let below = rule(json!({"type": "price_below", "symbol": "X", "level": 10}));
    let mut memory = Memory::default();
    let fired = fire_on_prices(&below, &mut memory, &[9.0, 8.0, 11.0, 9.5]);
    assert_eq!(fired.iter().map(|f| f.seq_to).collect::<Vec<_>>(), [1, 4]);
    assert_eq!((fired[0].seq_from, fired[0].seq_to), (1, 1), "the first tick is its own range");
}

#[test]
fn memory_survives_a_round_trip_through_json_mid_crossing() {
    let above = rule(json!({"type": "price_above", "symbol": "A", "level": 5}));
    let mut memory = Memory::default();
    assert_eq!(fire_on_prices(&above, &mut memory, &[4.0, 6.0]).len(), 1);
    // What a restart would read back from the database.
    let mut restored: Memory = serde_json::from_value(serde_json::to_value(&memory).unwrap()).unwrap();
    assert_eq!(restored, memory);
    assert!(fire_on_prices(&above, &mut restored, &[7.0, 8.0]).is_empty(), "still above: no second firing");
}

#[test]
fn change_pct_compares_against_the_start_of_the_window_either_way() {
    let moved = rule(json!({"type": "change_pct", "symbol": "A", "pct": 2, "window": "60s"}));
    let mut memory = Memory::default();
    let tick = |memory: &mut Memory, seq: i64, secs: i64, price: f64| {
        memory.observe(&moved, &Observation::Tick { seq, ts: t(secs), price })
    };
    assert_eq!(tick(&mut memory, 1, 0, 100.0), None);
    assert_eq!(tick(&mut memory, 2, 30, 101.5), None, "1.5% is not enough");
    let up = tick(&mut memory, 3, 50, 102.5).expect("2.5% within 60s fires");
    assert_eq!((up.seq_from, up.seq_to, up.value), (1, 3, 2.5));
    assert_eq!(up.message, "A up 2.50% within 1m (at 102.5)");
    // 100 s later the 100.0 is out of the window: against 101.5/102.5 the
    // change is small, so the rule clears...
    assert_eq!(tick(&mut memory, 4, 100, 102.0), None);
    assert!(!memory.firing);
    // ...and a fall fires again.
    let down = tick(&mut memory, 5, 110, 99.0).expect("a fall of 3% fires");
    assert!(down.value < -2.0 && down.message.starts_with("A down"), "{down:?}");
    assert!(memory.slices.len() <= SLICES as usize + 1);
}

#[test]
fn change_pct_remembers_a_bounded_window_at_any_rate() {
    let moved = rule(json!({"type": "change_pct", "symbol": "A", "pct": 50, "window": "1h"}));
    let mut memory = Memory::default();
    for seq in 1..=20_000 {
        let ts = t(0) + TimeDelta::milliseconds(seq * 500);
        memory.observe(&moved, &Observation::Tick { seq, ts, price: 100.0 + (seq % 7) as f64 });
    }
    assert!(memory.slices.len() <= SLICES as usize + 1, "{} slices", memory.slices.len());
}

fn log(seq: i64, secs: i64, message: &str) -> Observation<'_> {
    Observation::Log { seq, ts: t(secs), received_at: t(secs), level: LogLevel::Error, message }
}

#[test]
fn log_rate_fires_when_count_lines_fall_within_the_window_and_clears_on_the_clock() {
    let rate = rule(json!({"type": "log_rate", "level": "ERROR", "q": "DISK", "count": 3, "window": "10s"}));
    let mut memory = Memory::default();
    assert_eq!(memory.observe(&rate, &log(1, 0, "disk full")), None);
    assert_eq!(memory.observe(&rate, &log(2, 1, "network down")), None, "does not match q");
    assert_eq!(memory.observe(&rate, &log(3, 20, "Disk full")), None, "the first is too old by now");
    assert_eq!(memory.observe(&rate, &log(4, 21, "disk full")), None);
    let fired = memory.observe(&rate, &log(5, 22, "DISK full")).expect("3 within 10s");
    assert_eq!((fired.seq_from, fired.seq_to, fired.value), (3, 5, 3.0));
    assert_eq!(memory.observe(&rate, &log(6, 23, "disk full")), None, "still firing");
    assert_eq!(memory.on_clock(&rate, t(30)), None);
    assert!(memory.firing, "line 4 at 21 s is still within 10 s of 30 s");
    memory.on_clock(&rate, t(40));
    assert!(!memory.firing, "quiet for long enough: clears");
    assert!(memory.matches.len() <= 3);
}

#[test]
fn no_data_fires_once_after_the_window_and_clears_when_data_returns() {
    let quiet = rule(json!({"type": "no_data", "window": "30s"}));
    let mut memory = Memory::starting(t(0));
    assert_eq!(memory.on_clock(&quiet, t(29)), None);
    let fired = memory.on_clock(&quiet, t(31)).expect("31 s without data");
    assert_eq!((fired.value, fired.ts), (31.0, t(31)));
    assert_eq!(memory.on_clock(&quiet, t(60)), None, "once per quiet spell");
    memory.saw_data(&quiet, 7, t(61));
    assert!(!memory.firing);
    assert_eq!(memory.on_clock(&quiet, t(80)), None);
    let again = memory.on_clock(&quiet, t(95)).expect("quiet again");
    assert_eq!((again.seq_from, again.seq_to), (7, 7), "names the last message seen");
}

#[test]
fn observations_of_another_kind_are_ignored() {
    let above = rule(json!({"type": "price_above", "symbol": "A", "level": 1}));
    let mut memory = Memory::default();
    assert_eq!(memory.observe(&above, &log(1, 0, "x")), None);
    assert_eq!(memory, Memory::default());
}
