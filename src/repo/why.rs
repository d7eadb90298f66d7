//! `why` over a store: reads the events that decide a member's standing and
//! hands them to the pure explanation in [`crate::rules::explain`].

use std::collections::BTreeMap;

use crate::error::Result;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::Op;
use crate::model::event::PublicKey;
use crate::rules::explain::is_ineffective_for;
use crate::rules::explain::Explanation;
use crate::rules::explain::Judged;
use crate::rules::view::View;
use crate::store::Store;

fn judged(store: &Store, ids: &[EventId]) -> Result<Vec<Judged>> {
    let mut out = Vec::new();
    for id in ids {
        if let Some((event, meta)) = store.event_with_meta(id)? {
            out.push(Judged {
                event,
                verdict: meta.verdict,
            });
        }
    }
    Ok(out)
}

/// Explains why `member` stands where it does in the group's current view.
pub fn explain(
    store: &Store,
    group: &GroupId,
    view: &View,
    member: &PublicKey,
) -> Result<Explanation> {
    let decided = view.decided.get(member).cloned().unwrap_or_default();
    let membership = judged(store, &decided.membership)?;
    let role = judged(store, &decided.role)?;
    // Events with no effect, and who linked each device key (a device's
    // events count as its member's even after the link ended).
    let mut candidates = Vec::new();
    let mut linked_by: BTreeMap<PublicKey, PublicKey> = BTreeMap::new();
    for entry in store.group_events(group, None) {
        let (order, event) = entry?;
        let Some(meta) = store.event_meta(&order.id)? else {
            continue;
        };
        if let (Op::LinkDevice { device, .. }, true) =
            (&event.event.op, meta.verdict.is_effective())
        {
            linked_by.insert(*device, event.event.author);
        }
        if !meta.verdict.is_effective() {
            candidates.push(Judged {
                event,
                verdict: meta.verdict,
            });
        }
    }
    let ineffective = candidates
        .into_iter()
        .filter(|j| {
            let author = j.event.event.author;
            let acting = match view.members().contains_key(&author) {
                true => author,
                false => linked_by.get(&author).copied().unwrap_or(author),
            };
            is_ineffective_for(&j.event, &j.verdict, member, &acting)
        })
        .collect();
    let mut devices = Vec::new();
    for (device, d) in view.devices_of(member) {
        let deciders = view.decided.get(device).cloned().unwrap_or_default();
        devices.push((
            *device,
            d.name.clone(),
            judged(store, &deciders.membership)?,
        ));
    }
    Ok(Explanation::new(
        view,
        member,
        membership,
        role,
        ineffective,
        devices,
    ))
}

/// Every key an event of the group names, with the name an Add gave it (or
/// the view's name): the candidates `why` resolves against, since a member
/// added only by a revoked event is in no view.
pub fn named_keys(
    store: &Store,
    group: &GroupId,
    view: &View,
) -> Result<BTreeMap<PublicKey, String>> {
    let mut names = view.names.clone();
    for entry in store.group_events(group, None) {
        let (_, event) = entry?;
        if let Op::Add { member, name, .. } = &event.event.op {
            names.entry(*member).or_insert_with(|| name.clone());
        }
        names.entry(event.event.author).or_default();
    }
    Ok(names)
}
