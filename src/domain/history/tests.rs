use super::*;

#[test]
fn only_searches_without_a_trigram_word_are_bounded() {
    for short in ["a", "ab", " x ", "a b", "5x", "e.g.", "::", "é!"] {
        assert!(!has_trigram_word(short), "{short:?}");
    }
    for long in ["abc", "an error", "x-500", "ünï"] {
        assert!(has_trigram_word(long), "{long:?}");
    }
}

#[test]
fn the_window_sits_next_to_the_cursor() {
    let r = |from_seq, to_seq| SeqRange { from_seq, to_seq };
    assert_eq!(search_window(None, None, 100, 10), r(91, 100));
    assert_eq!(search_window(None, None, 4, 10), r(1, 4));
    assert_eq!(search_window(None, Some(91), 0, 10), r(81, 90));
    assert_eq!(search_window(Some(5), None, 0, 10), r(6, 15));
    assert_eq!(search_window(Some(5), Some(9), 0, 10), r(6, 8));
    assert_eq!(search_window(Some(i64::MAX), None, 0, 10), r(i64::MAX, i64::MAX));
    assert_eq!(search_window(None, Some(i64::MIN), 0, 10).from_seq, 1);
}

#[test]
fn buckets_are_whole_and_aligned_to_the_epoch() {
    let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    let mid = t("2026-12-04T10:07:30.250Z");
    assert_eq!(bucket_start(mid, 300), t("2026-12-04T10:05:00Z"));
    assert_eq!(bucket_end(mid, 300), t("2026-12-04T10:10:00Z"));
    assert_eq!(bucket_start(mid, 86_400), t("2026-12-04T00:00:00Z"));
    assert_eq!(bucket_end(t("2026-12-04T10:10:00Z"), 300), t("2026-12-04T10:10:00Z"), "a boundary stays");
    assert_eq!(bucket_start(t("1969-12-31T23:59:59.5Z"), 1), t("1969-12-31T23:59:59Z"));
}

#[test]
fn request_times_outside_years_1_to_9999_are_refused() {
    let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    assert!(check_time("to", Some(t("9999-12-31T23:59:59Z"))).is_ok());
    assert!(check_time("to", Some(t("0001-01-01T00:00:00Z"))).is_ok());
    assert!(check_time("to", None).is_ok());
    for extreme in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
        let e = check_time("to", Some(extreme)).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);
        assert!(e.message.starts_with("to is out of range"), "{}", e.message);
    }
}
