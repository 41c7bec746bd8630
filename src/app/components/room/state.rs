//! The room's data in the browser and how each server message changes it.
//! Pure functions over plain values, so they are tested natively.

use crate::model::{Annotation, AnnotationTarget, ChatMessage, WsErrorCode};
use std::collections::BTreeSet;

/// Chat messages kept in memory per room; older ones are dropped.
pub const MAX_CHAT: usize = 500;

/// A refusal to show next to what caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomError {
    pub code: WsErrorCode,
    pub message: String,
    /// The `type` of the message that failed (`chat`, `annotate`, …).
    pub request: Option<String>,
    /// Rises with every error, so the same error twice still shows.
    pub serial: u64,
}

impl RoomError {
    /// Whether the error is about a chat message.
    pub fn is_chat(&self) -> bool {
        self.request.as_deref() == Some("chat")
    }

    /// Whether the error is about annotating, replying or deleting.
    pub fn is_annotation(&self) -> bool {
        matches!(self.request.as_deref(), Some("annotate" | "reply" | "delete_annotation"))
    }

    /// What to tell the user.
    pub fn describe(&self) -> String {
        match self.code {
            WsErrorCode::RateLimited => format!("You are sending too fast: {}", self.message),
            WsErrorCode::TooLarge => "Too long: at most 2000 characters.".to_owned(),
            WsErrorCode::Forbidden if self.message.starts_with("sign in") => "Sign in to chat and annotate.".to_owned(),
            _ => self.message.clone(),
        }
    }
}

/// Adds messages to a chat list kept sorted by id, without duplicates,
/// keeping the newest [`MAX_CHAT`].
pub fn merge_chat(chat: &mut Vec<ChatMessage>, incoming: impl IntoIterator<Item = ChatMessage>) {
    for message in incoming {
        if let Err(at) = chat.binary_search_by_key(&message.id, |m| m.id) {
            chat.insert(at, message);
        }
    }
    if chat.len() > MAX_CHAT {
        chat.drain(..chat.len() - MAX_CHAT);
    }
}

/// Adds or replaces one live annotation (kept sorted by id).
pub fn upsert_annotation(list: &mut Vec<Annotation>, annotation: Annotation) {
    match list.binary_search_by_key(&annotation.id, |a| a.id) {
        Ok(at) => list[at] = annotation,
        Err(at) => list.insert(at, annotation),
    }
}

/// Removes an annotation and its replies; remembers the ids as deleted.
pub fn remove_annotation(list: &mut Vec<Annotation>, deleted: &mut BTreeSet<i64>, id: i64) {
    deleted.insert(id);
    list.retain(|a| a.id != id && a.parent_id != Some(id));
}

/// Combines a history snapshot with what arrived live meanwhile: the
/// snapshot is the truth up to its newest id (what it lacks was deleted),
/// live annotations newer than it stay, and known deletions win.
pub fn merge_snapshot(live: &[Annotation], snapshot: Vec<Annotation>, deleted: &BTreeSet<i64>) -> Vec<Annotation> {
    let newest = snapshot.iter().map(|a| a.id).max().unwrap_or(0);
    let mut merged: Vec<Annotation> = snapshot;
    merged.extend(live.iter().filter(|a| a.id > newest).cloned());
    merged.retain(|a| !deleted.contains(&a.id) && !a.parent_id.is_some_and(|p| deleted.contains(&p)));
    merged.sort_by_key(|a| a.id);
    merged.dedup_by_key(|a| a.id);
    merged
}

/// Whether `annotation` is a root note (not a reply) on `target`.
pub fn is_root_on(annotation: &Annotation, target: &AnnotationTarget) -> bool {
    annotation.parent_id.is_none() && &annotation.target == target
}

/// The replies to `id`, oldest first.
pub fn replies_to(list: &[Annotation], id: i64) -> Vec<Annotation> {
    list.iter().filter(|a| a.parent_id == Some(id)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn chat(id: i64) -> ChatMessage {
        ChatMessage { id, dashboard: "m".into(), user: "u".into(), text: format!("#{id}"), ts: Utc::now() }
    }

    fn note(id: i64, parent_id: Option<i64>) -> Annotation {
        Annotation {
            id,
            dashboard: "m".into(),
            target: AnnotationTarget::LogLine { feed: "f".into(), seq: 1 },
            user: "u".into(),
            text: format!("#{id}"),
            ts: Utc::now(),
            parent_id,
            deleted: false,
        }
    }

    fn ids<T>(items: &[T], id: impl Fn(&T) -> i64) -> Vec<i64> {
        items.iter().map(id).collect()
    }

    #[test]
    fn chat_merges_in_id_order_without_duplicates_and_stays_bounded() {
        let mut list = vec![chat(2), chat(5)];
        merge_chat(&mut list, [chat(4), chat(5), chat(1), chat(7)]);
        assert_eq!(ids(&list, |m| m.id), [1, 2, 4, 5, 7]);
        merge_chat(&mut list, (10..10 + MAX_CHAT as i64).map(chat));
        assert_eq!(list.len(), MAX_CHAT);
        assert_eq!(list[0].id, 10, "the oldest go first");
    }

    #[test]
    fn deleting_a_note_takes_its_replies() {
        let mut list = vec![note(1, None), note(2, Some(1)), note(3, None)];
        let mut deleted = BTreeSet::new();
        remove_annotation(&mut list, &mut deleted, 1);
        assert_eq!(ids(&list, |a| a.id), [3]);
        assert!(deleted.contains(&1));
    }

    #[test]
    fn a_snapshot_keeps_newer_live_notes_and_drops_deleted_ones() {
        // Live: 1, 2 (deleted on the server meanwhile), 5 (newer than the snapshot).
        let live = vec![note(1, None), note(2, None), note(5, None)];
        // Snapshot up to 4: 2 is gone, 3 and 4 are new to us, 4 was deleted live.
        let snapshot = vec![note(1, None), note(3, None), note(4, Some(3))];
        let deleted = BTreeSet::from([3]);
        assert_eq!(ids(&merge_snapshot(&live, snapshot.clone(), &deleted), |a| a.id), [1, 5]);
        assert_eq!(ids(&merge_snapshot(&live, snapshot, &BTreeSet::new()), |a| a.id), [1, 3, 4, 5]);
    }
}
