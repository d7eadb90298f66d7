//! Naming groups and members on the command line (SPEC §1).
//!
//! A group is named by its full id, a unique id prefix of at least 8 hex
//! characters, or its exact title when only one group has it. A member is named
//! by a full key, a unique key prefix of at least 8 hex characters, a name, or
//! the path of a public key file (containing `/` or ending in `.pub`). Prefixes
//! and names are looked up among the candidates the command gives: the group's
//! members past and present, or for `add`, every key the store knows.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::Candidate;
use crate::error::Error;
use crate::error::Result;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::Op;
use crate::model::event::PublicKey;
use crate::model::keys;
use crate::store::Store;

/// The shortest hex prefix accepted in place of a full key or id.
pub const MIN_PREFIX: usize = 8;

fn is_hex(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A group found on the command line, and a note when it was found by
/// something the user may not expect (a former title, another case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedGroup {
    pub id: GroupId,
    pub note: Option<String>,
}

/// Finds a group (SPEC §1), trying in turn: its full id; a unique id prefix
/// (8+ hex); its exact title; its title in another case; a former title
/// (exact, then in another case). A title shared by several groups is
/// ambiguous (the candidates' id prefixes are listed); nothing found suggests
/// the closest titles.
pub fn group(store: &Store, query: &str) -> Result<ResolvedGroup> {
    refuse_blank(query, "group")?;
    let found = |id: GroupId| ResolvedGroup { id, note: None };
    let query_lower = query.to_lowercase();
    if let Some(id) = GroupId::from_hex(&query_lower) {
        if store.group_record(&id)?.is_some() {
            return Ok(found(id));
        }
    }
    let mut titles: Vec<(GroupId, String)> = Vec::new();
    // Titles are in the projection records: no group's rows are read.
    for id in store.groups()? {
        if let Some(record) = store.group_record(&id)? {
            titles.push((id, record.view.title));
        }
    }
    let candidate = |(id, title): &(GroupId, String)| Candidate {
        id: id.to_hex(),
        label: title.clone(),
    };
    let pick = |matches: Vec<&(GroupId, String)>| -> Result<Option<GroupId>> {
        match matches.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.0)),
            many => Err(Error::AmbiguousGroup {
                query: query.to_string(),
                matches: many.iter().map(|m| candidate(m)).collect(),
            }),
        }
    };
    if query.len() >= MIN_PREFIX && is_hex(query) {
        let by_prefix = titles
            .iter()
            .filter(|(id, _)| id.to_hex().starts_with(&query_lower));
        if let Some(id) = pick(by_prefix.collect())? {
            return Ok(found(id));
        }
    }
    if let Some(id) = pick(titles.iter().filter(|(_, t)| t == query).collect())? {
        return Ok(found(id));
    }
    let folded = titles
        .iter()
        .filter(|(_, t)| t.to_lowercase() == query_lower);
    if let Some(id) = pick(folded.collect())? {
        return Ok(found(id));
    }
    if let Some((id, former)) = by_former_title(store, &titles, query)? {
        let now = &titles
            .iter()
            .find(|(g, _)| *g == id)
            .map(|(_, t)| t.clone());
        let now = now.as_deref().unwrap_or_default();
        return Ok(ResolvedGroup {
            id,
            note: Some(format!(
                "\"{former}\" is a former title of \"{now}\" ({}), which is the group used",
                id.short()
            )),
        });
    }
    let names: Vec<&str> = titles.iter().map(|(_, t)| t.as_str()).collect();
    Err(Error::UnknownGroup {
        query: query.to_string(),
        suggestions: closest(query, &names),
    })
}

/// A group one of whose former titles (its `Create` or a `SetTitle`) is
/// `query`, exactly or in another case, when exactly one group has it.
/// Reads the groups' events: only done once the current titles failed (a
/// former title, or a typo). They are read in their stored order, front to
/// back: looked up one by one by id, a group of 1,000,000 events took 10 s
/// to say that a mistyped title names no group.
fn by_former_title(
    store: &Store,
    titles: &[(GroupId, String)],
    query: &str,
) -> Result<Option<(GroupId, String)>> {
    let lower = query.to_lowercase();
    let mut exact = Vec::new();
    let mut folded = Vec::new();
    for (group, _) in titles {
        for item in store.group_events(group, None) {
            let (_, event) = item?;
            let title = match &event.event.op {
                Op::Create { title, .. } | Op::SetTitle { title } => title,
                Op::Add { .. }
                | Op::Remove { .. }
                | Op::Leave
                | Op::SetRole { .. }
                | Op::LinkDevice { .. }
                | Op::UnlinkDevice { .. } => continue,
            };
            if title == query && !exact.iter().any(|(g, _)| g == group) {
                exact.push((*group, title.clone()));
            } else if title.to_lowercase() == lower && !folded.iter().any(|(g, _)| g == group) {
                folded.push((*group, title.clone()));
            }
        }
    }
    let unique = |list: Vec<(GroupId, String)>| -> Option<(GroupId, String)> {
        (list.len() == 1).then(|| list.into_iter().next()).flatten()
    };
    Ok(unique(exact).or_else(|| unique(folded)))
}

/// Up to three names closest to `query` (edit distance at most a third of
/// its length, at least 2, ignoring case), closest first: "did you mean".
pub fn closest(query: &str, names: &[&str]) -> Vec<String> {
    let lower = query.to_lowercase();
    let limit = (query.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = names
        .iter()
        .filter(|n| !n.is_empty())
        .map(|n| (strsim::levenshtein(&lower, &n.to_lowercase()), *n))
        .filter(|(d, n)| *d <= limit || n.to_lowercase().contains(&lower))
        .collect();
    scored.sort();
    scored.dedup_by_key(|(_, n)| *n);
    scored
        .into_iter()
        .take(3)
        .map(|(_, n)| n.to_string())
        .collect()
}

/// Every key with a name, from every group of the store: the "contacts" that
/// `add` may name by prefix or name.
pub fn known_keys(store: &Store) -> Result<BTreeMap<PublicKey, String>> {
    let mut all = BTreeMap::new();
    for id in store.groups()? {
        if let Some(view) = store.group_view(&id)? {
            for (key, name) in &view.names {
                let entry: &mut String = all.entry(*key).or_default();
                if entry.is_empty() {
                    entry.clone_from(name);
                }
            }
        }
    }
    Ok(all)
}

/// The name [`known_keys`] gives one key, read from the key's row in each
/// group instead of every group's whole view: the first group, in the
/// store's order, that names it.
pub fn known_name(store: &Store, key: &PublicKey) -> Result<Option<String>> {
    for id in store.groups()? {
        match store.view_name(&id, key)? {
            Some(name) if !name.is_empty() => return Ok(Some(name)),
            _ => {}
        }
    }
    Ok(None)
}

/// The key a member query names by itself: a full key, or the key in a
/// key file (a path, or a name ending in `.pub`), whose reading may fail.
/// None for a name or a key prefix, which only a search among names
/// resolves ([`member`]); a caller with no names at hand yet needs none
/// for these.
pub fn key_itself(query: &str) -> Option<Result<PublicKey>> {
    if let Some(key) = PublicKey::from_hex(&query.to_ascii_lowercase()) {
        return Some(Ok(key));
    }
    if query.contains('/') || query.ends_with(".pub") {
        return Some(keys::load_public(Path::new(query)).map_err(Error::from));
    }
    None
}

/// Finds a member key among `candidates` (key → name). `group_label` is used in
/// the error when nothing matches.
pub fn member(
    query: &str,
    candidates: &BTreeMap<PublicKey, String>,
    group_label: &str,
) -> Result<PublicKey> {
    refuse_blank(query, "member")?;
    if let Some(key) = key_itself(query) {
        return key;
    }
    let lower = query.to_ascii_lowercase();
    let by_name: Vec<(&PublicKey, &String)> = candidates
        .iter()
        .filter(|(_, name)| name.as_str() == query)
        .collect();
    let by_prefix: Vec<(&PublicKey, &String)> = if is_hex(query) && query.len() >= MIN_PREFIX {
        candidates
            .iter()
            .filter(|(key, _)| key.to_hex().starts_with(&lower))
            .collect()
    } else {
        Vec::new()
    };
    if by_name.is_empty() && by_prefix.is_empty() && is_hex(query) && query.len() < MIN_PREFIX {
        return Err(Error::NotAnIdOrPrefix {
            query: query.to_string(),
            what: "anyone's name, and a key prefix needs at least 8 hex characters",
        });
    }
    // A name that looks like another key's prefix is ambiguous: a name chosen
    // by someone else must never win over a key (issue 15's name hijack).
    let mut found: Vec<(&PublicKey, &String)> = by_name;
    for hit in by_prefix {
        if !found.iter().any(|(k, _)| *k == hit.0) {
            found.push(hit);
        }
    }
    if found.is_empty() {
        let folded = candidates
            .iter()
            .filter(|(_, name)| !name.is_empty() && name.to_lowercase() == query.to_lowercase());
        found = folded.collect();
    }
    match found.len() {
        0 => Err(Error::UnknownMember {
            query: query.to_string(),
            group: group_label.to_string(),
            suggestions: closest(
                query,
                &candidates.values().map(String::as_str).collect::<Vec<_>>(),
            ),
        }),
        1 => Ok(*found[0].0),
        _ => Err(Error::AmbiguousMember {
            query: query.to_string(),
            matches: found
                .into_iter()
                .map(|(key, name)| Candidate {
                    id: key.to_hex(),
                    label: name.clone(),
                })
                .collect(),
        }),
    }
}

/// Finds one of the group's events by full id or unique id prefix (8+ hex).
/// No match is [`Error::UnknownEvent`]; several, or a query that is no id or
/// prefix, are usage errors.
pub fn event(store: &Store, group: &GroupId, query: &str) -> Result<EventId> {
    let lower = check_event_query(query)?;
    let mut matches = Vec::new();
    for id in store.event_ids_with_prefix(&lower)? {
        if store.event_meta(&id)?.is_some_and(|m| m.group == *group) {
            matches.push(id);
        }
    }
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => Err(Error::UnknownEvent {
            query: query.to_string(),
        }),
        many => Err(Error::AmbiguousEvent {
            query: query.to_string(),
            matches: many
                .iter()
                .map(|id| Candidate {
                    id: id.to_hex(),
                    label: String::new(),
                })
                .collect(),
        }),
    }
}

/// Heads named by a peer (`export --since`, `diff --heads`): full ids are kept
/// even when unknown here (a peer may hold events we lack); prefixes must
/// match exactly one of the group's events. Blank entries are skipped.
pub fn heads(store: &Store, group: &GroupId, texts: &[String]) -> Result<Vec<EventId>> {
    let mut heads = Vec::new();
    if !texts.is_empty() && texts.iter().all(|t| t.trim().is_empty()) {
        return Err(Error::BlankArgument { what: "heads" });
    }
    for text in texts.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        match EventId::from_hex(&text.to_ascii_lowercase()) {
            Some(id) => heads.push(id),
            None => heads.push(event(store, group, text)?),
        }
    }
    Ok(heads)
}

/// SPEC §1 names are never blank: a blank query (an unset shell variable,
/// say) must not match a member without a name, such as a group's owner.
fn refuse_blank(query: &str, what: &'static str) -> Result<()> {
    if query.trim().is_empty() {
        return Err(Error::BlankArgument { what });
    }
    Ok(())
}

fn check_event_query(query: &str) -> Result<String> {
    refuse_blank(query, "event")?;
    let lower = query.trim().to_ascii_lowercase();
    if lower.len() < MIN_PREFIX || !is_hex(&lower) {
        return Err(Error::NotAnIdOrPrefix {
            query: query.to_string(),
            what: "an event id or a prefix of 8+ hex characters",
        });
    }
    Ok(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_full_key_or_a_key_file_names_a_key_itself() {
        assert!(key_itself(&"AB".repeat(32)).is_some());
        assert!(key_itself("./carol.pub").is_some());
        assert!(key_itself("keys/carol").is_some());
        assert!(key_itself("carol").is_none());
        assert!(key_itself(&"ab".repeat(8)).is_none());
        assert!(key_itself(&"ab".repeat(33)).is_none());
    }

    fn candidates() -> BTreeMap<PublicKey, String> {
        let mut a = [0xab; 32];
        a[4] = 0x01;
        let mut b = [0xab; 32];
        b[4] = 0x02;
        BTreeMap::from([
            (PublicKey(a), "alice".to_string()),
            (PublicKey(b), "bob".to_string()),
        ])
    }

    #[test]
    fn names_prefixes_and_ambiguity() {
        let c = candidates();
        let alice = resolve_ok("alice", &c);
        assert_eq!(resolve_ok("abababab01", &c), alice);
        assert!(matches!(
            member("abababab", &c, "g"),
            Err(Error::AmbiguousMember { matches, .. }) if matches.len() == 2
        ));
        assert!(matches!(
            member("abab", &c, "g"),
            Err(Error::NotAnIdOrPrefix { .. })
        ));
        assert!(matches!(
            member("carol", &c, "g"),
            Err(Error::UnknownMember { .. })
        ));
        let full = "cd".repeat(32);
        assert_eq!(resolve_ok(&full, &c), PublicKey([0xcd; 32]));
    }

    fn resolve_ok(q: &str, c: &BTreeMap<PublicKey, String>) -> PublicKey {
        member(q, c, "g").unwrap()
    }
}
