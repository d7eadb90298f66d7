//! Heads named on the command line (`export --since`, `diff --heads`): full
//! event ids, or 8+ hex prefixes of events this store holds.

use gmm::event::EventId;
use gmm::event::GroupId;
use gmm::resolve::MIN_PREFIX;
use gmm::store::Store;

use super::error::CommandError;
use super::error::EXIT_USAGE;

/// Full ids are kept even when unknown here (a peer may hold events we lack);
/// prefixes must match exactly one of the group's events.
pub fn parse_heads(
    store: &Store,
    group: &GroupId,
    texts: &[String],
) -> Result<Vec<EventId>, CommandError> {
    let mut heads = Vec::new();
    let mut ids: Option<Vec<EventId>> = None;
    for text in texts
        .iter()
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
    {
        if let Some(id) = EventId::from_hex(&text) {
            heads.push(id);
            continue;
        }
        if text.len() < MIN_PREFIX || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(CommandError::new(
                EXIT_USAGE,
                format!("`{text}` is not an event id or an 8+ hex prefix"),
            ));
        }
        let all = match &ids {
            Some(all) => all,
            None => ids.insert(store.group_event_ids(group)?),
        };
        let matches: Vec<&EventId> = all
            .iter()
            .filter(|id| id.to_hex().starts_with(&text))
            .collect();
        match matches.as_slice() {
            [one] => heads.push(**one),
            [] => {
                return Err(CommandError::new(
                    EXIT_USAGE,
                    format!("no event of this group starts with `{text}`"),
                )
                .hint("give the full 64-character id of a head this store does not hold"))
            }
            _ => {
                return Err(CommandError::new(
                    EXIT_USAGE,
                    format!("`{text}` matches several events"),
                ))
            }
        }
    }
    Ok(heads)
}
