//! The log tail's rules, driven the way the stream and the user drive them.

use super::*;

fn line(seq: i64, level: &str, message: &str) -> LogLine {
    LogLine {
        seq,
        ts: chrono::DateTime::from_timestamp(1_764_000_000 + seq, 0).unwrap_or_default(),
        level: level.into(),
        source: "api".into(),
        message: message.into(),
    }
}

fn lines(seqs: impl IntoIterator<Item = i64>) -> Vec<LogLine> {
    seqs.into_iter().map(|seq| line(seq, "INFO", &format!("line {seq}"))).collect()
}

/// Newest first, as history pages come.
fn page(seqs: impl DoubleEndedIterator<Item = i64>) -> Vec<LogLine> {
    lines(seqs.rev())
}

/// A history page that was not a search.
fn full(items: Vec<LogLine>) -> LogPage {
    LogPage { items, searched: None }
}

fn shown(model: &TailModel) -> Vec<i64> {
    model.window(0, usize::MAX).into_iter().map(|(_, l)| l.seq).collect()
}

fn expect_load(next: Next) -> LatestLoad {
    match next {
        Next::Load(load) => load,
        other => panic!("expected a load, got {other:?}"),
    }
}

/// A tail following live after a first page of lines `1..=head`.
fn following(head: i64) -> TailModel {
    let mut model = TailModel::new(false);
    let load = expect_load(model.on_load(head));
    model.finish_latest(load, full(page(1..=head)));
    model
}

#[test]
fn live_lines_that_came_during_the_first_load_follow_it_without_duplicates() {
    let mut model = TailModel::new(false);
    assert!(model.is_loading());
    let load = expect_load(model.on_load(5));
    assert_eq!(load.upto, 5);
    assert_eq!(model.on_lines(&lines([5, 6])), Next::Stay, "held until the page lands");
    assert_eq!(model.finish_latest(load, full(page(1..=5))), Some(Next::Scroll(Scroll::Bottom)));
    assert_eq!(shown(&model), [1, 2, 3, 4, 5, 6]);
    assert!(!model.is_loading());
}

#[test]
fn following_keeps_at_most_max_lines() {
    let mut model = following(0);
    let many = MAX_LINES as i64 + 5;
    assert_eq!(model.on_lines(&lines(1..=many)), Next::Scroll(Scroll::Bottom));
    assert_eq!(model.len(), MAX_LINES);
    assert_eq!(shown(&model).first(), Some(&6));
}

#[test]
fn scrolled_up_the_list_grows_and_stays_put() {
    let mut model = following(0);
    model.set_at_bottom(false);
    assert_eq!(model.on_lines(&lines(1..=MAX_LINES as i64 + 1)), Next::Stay);
    assert_eq!(model.len(), MAX_LINES + 1);
}

#[test]
fn a_pause_counts_new_lines_and_resuming_shows_them() {
    let mut model = following(3);
    assert_eq!(model.toggle_pause(), Next::Stay);
    assert_eq!(model.mode(), Mode::Paused);
    model.on_lines(&lines(4..=7));
    assert_eq!((model.new_count(), shown(&model)), (4, vec![1, 2, 3]));
    assert_eq!(model.toggle_pause(), Next::Scroll(Scroll::Bottom));
    assert_eq!((model.mode(), model.new_count()), (Mode::Following, 0));
    assert_eq!(shown(&model), [1, 2, 3, 4, 5, 6, 7]);
}

#[test]
fn after_a_long_pause_resuming_reloads_the_newest_page() {
    let mut model = following(0);
    model.toggle_pause();
    let many = MAX_LINES as i64 + 3;
    model.on_lines(&lines(1..=many));
    assert_eq!(model.new_count(), MAX_LINES + 3, "every line counts, held or not");
    let load = expect_load(model.resume());
    assert_eq!(load.upto, many);
    assert_eq!(model.new_count(), 0);
}

#[test]
fn the_level_filter_applies_to_live_lines_and_reloads_history() {
    let mut model = following(2);
    let errors = LogFilter { levels: vec!["ERROR".into()], ..LogFilter::default() };
    let load = expect_load(model.set_filter(errors.clone()));
    assert_eq!((load.upto, &load.filter), (2, &errors));
    assert_eq!(model.set_filter(errors.clone()), Next::Stay, "the same filter again changes nothing");
    model.finish_latest(load, full(vec![line(1, "ERROR", "boom")]));
    model.on_lines(&[line(3, "INFO", "fine"), line(4, "ERROR", "bang")]);
    assert_eq!(shown(&model), [1, 4]);
}

#[test]
fn search_text_matches_any_case_and_a_new_filter_drops_what_was_held() {
    let mut model = following(0);
    model.toggle_pause();
    model.on_lines(&lines(1..=3));
    let search = LogFilter { text: Some("boom".into()), ..LogFilter::default() };
    let load = expect_load(model.set_filter(search));
    assert_eq!((model.mode(), model.new_count()), (Mode::Following, 0));
    model.finish_latest(load, full(Vec::new()));
    model.on_lines(&[line(4, "WARN", "BOOM here"), line(5, "WARN", "quiet")]);
    assert_eq!(shown(&model), [4]);
}

#[test]
fn a_page_of_a_superseded_load_is_dropped() {
    let mut model = TailModel::new(false);
    let first = expect_load(model.on_load(5));
    let second = expect_load(model.set_filter(LogFilter { source: Some("db".into()), ..LogFilter::default() }));
    assert_eq!(model.finish_latest(first.clone(), full(page(1..=5))), None);
    assert!(!model.fail_latest(&first), "its error is not shown either");
    assert!(model.is_loading() && shown(&model).is_empty());
    assert!(model.fail_latest(&second));
    assert!(!model.is_loading());
}

#[test]
fn older_pages_load_one_at_a_time_from_the_oldest_line() {
    let mut model = TailModel::new(false);
    assert_eq!(model.start_older(), None, "not while the first page loads");
    let load = expect_load(model.on_load(1000));
    model.finish_latest(load, full(page(801..=1000)));
    let older = model.start_older().expect("a full page: there may be more");
    assert_eq!((older.before, older.filter), (801, LogFilter::default()));
    assert!(model.is_loading_older());
    assert_eq!(model.start_older(), None, "one at a time");
    assert_eq!(model.finish_older(Some(full(page(790..=800)))), Next::Scroll(Scroll::Down(11)));
    assert_eq!(&shown(&model)[..3], [790, 791, 792]);
    assert_eq!(model.start_older(), None, "a short page was the last");
}

#[test]
fn a_failed_older_load_may_be_tried_again() {
    let mut model = following(PAGE);
    assert!(model.start_older().is_some());
    assert_eq!(model.finish_older(None), Next::Stay);
    assert!(model.start_older().is_some());
}

#[test]
fn a_short_first_page_means_no_older_lines() {
    let mut model = following(3);
    assert_eq!(model.start_older(), None);
}

#[test]
fn a_permalink_holds_live_lines_and_scrolls_to_its_line() {
    let mut model = TailModel::new(true);
    assert_eq!(model.mode(), Mode::Permalink);
    assert_eq!(model.on_load(30), Next::Stay, "the permalink's context is loaded instead");
    model.start_around();
    assert_eq!(model.finish_around(page(1..=12), lines(13..=20)), Next::Scroll(Scroll::ToRow(5)));
    assert!(model.line(12).is_some());
    model.on_lines(&lines(31..=32));
    assert_eq!((model.new_count(), model.len()), (2, 20));
    let load = expect_load(model.resume());
    assert_eq!((load.upto, model.mode()), (32, Mode::Following));
}

#[test]
fn the_window_numbers_its_rows() {
    let model = following(10);
    let rows: Vec<(usize, i64)> = model.window(8, 5).into_iter().map(|(i, l)| (i, l.seq)).collect();
    assert_eq!(rows, [(8, 9), (9, 10)]);
    assert!(model.window(20, 5).is_empty());
}

#[test]
fn a_search_that_stopped_short_waits_for_the_user_then_goes_on_from_where_it_stopped() {
    let mut model = TailModel::new(false);
    let load = expect_load(model.on_load(10_000));
    let mut filter = load.filter.clone();
    filter.text = Some("boom".into());
    let load = expect_load(model.set_filter(filter));
    // Only 3 matches among the newest lines searched (9001..=10000).
    let searched = Some(crate::model::SeqRange { from_seq: 9001, to_seq: 10_000 });
    let hits = vec![line(9990, "ERROR", "boom"), line(9500, "ERROR", "boom"), line(9002, "ERROR", "boom")];
    model.finish_latest(load, LogPage { items: hits, searched });
    assert_eq!(model.search_paused_at(), Some(9001), "it says how far back it looked");
    assert_eq!(model.start_older(), None, "scrolling does not search on by itself");
    let further = model.search_further().expect("the user asks for more");
    assert_eq!(further.before, 9001, "on from where the search stopped, not from the oldest hit");
    assert_eq!(model.search_paused_at(), None);
    let rest = Some(crate::model::SeqRange { from_seq: 1, to_seq: 9000 });
    model.finish_older(Some(LogPage { items: vec![line(7, "ERROR", "boom")], searched: rest }));
    assert_eq!(model.search_paused_at(), None, "back to the start: nothing more to ask");
    assert_eq!(shown(&model), [7, 9002, 9500, 9990]);
    assert_eq!(model.start_older(), None, "and nothing older to load");
}

#[test]
fn a_replay_empties_the_list_and_shows_the_window_from_its_first_line() {
    let mut model = following(50);
    model.on_lines(&lines(51..=60));
    assert_eq!(model.on_replay(), Next::Stay);
    assert_eq!(model.len(), 0);
    assert!(!model.is_loading());
    // The window's lines start again from low `seq`s: none is taken for a duplicate.
    assert_eq!(model.on_lines(&lines(3..=5)), Next::Scroll(Scroll::Bottom));
    assert_eq!(shown(&model), [3, 4, 5]);
}

#[test]
fn the_keyboard_moves_row_by_row_within_the_list() {
    let model = following(5);
    assert_eq!(model.neighbour(None, 1), Some((4, 5)), "from nowhere: the newest line");
    assert_eq!(model.neighbour(Some(5), -1), Some((3, 4)));
    assert_eq!(model.neighbour(Some(4), -10), Some((0, 1)), "stops at the first");
    assert_eq!(model.neighbour(Some(2), 10), Some((4, 5)), "stops at the last");
    assert_eq!(model.neighbour(Some(99), -1), Some((4, 5)), "a line no longer listed: the newest");
    assert_eq!(TailModel::new(false).neighbour(None, 1), None, "an empty list");
}
