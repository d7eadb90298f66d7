//! The member view of a group and the authority rule (SPEC §3 rules 2 and 8).
//!
//! Pure logic: no store, no I/O. [`authorize`] is rule 2 (authority comes from
//! the past) over any way of looking up roles, and [`View::apply`] is the effect
//! of one effective event on the view of its whole past: the situation of an
//! event that extends every head, where nothing is concurrent with it and rules
//! 3–6 reduce to "the newest event about X decides X". Concurrent events are
//! resolved by [`crate::rules::projection`], which produces the same `View`.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fmt;
use std::sync::OnceLock;

use crate::model::codec;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::Op;
use crate::model::event::PublicKey;
use crate::model::event::Role;
use crate::model::event::ViewHash;
use crate::model::hash;
use crate::rules::changed_keys::ChangedKeys;
use crate::rules::member_tree;
use crate::rules::member_tree::MemberTree;

/// A current member.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Member {
    pub role: Role,
    pub name: String,
}

/// A linked device: the member its events act for, and the name it was
/// linked with.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Device {
    pub member: PublicKey,
    pub name: String,
}

/// What [`View::name_applied`] must name after [`View::apply_unnamed`]:
/// the key whose deciding events the op set, and whether it set the title.
#[must_use = "the op's deciding events hold a placeholder until named"]
#[derive(Debug)]
pub struct Unnamed {
    key: Option<PublicKey>,
    title: bool,
}

/// What [`View::apply_undoable`] saved: each key an event could change, as
/// it was, and the title and removal cycles.
#[derive(Debug)]
pub struct Undo {
    saved: Vec<SavedKey>,
    title: String,
    title_by: Vec<EventId>,
    title_conflicts: Vec<TitleConflict>,
    removal_cycles: Vec<Vec<CycleRemoval>>,
}

/// Everything a view holds about one key.
#[derive(Debug)]
struct SavedKey {
    key: PublicKey,
    member: Option<Member>,
    device: Option<Device>,
    owned: Option<BTreeSet<PublicKey>>,
    name: Option<String>,
    decided: Option<Decided>,
}

/// The events that decide one key's status (rule 3: the maximal ones).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Decided {
    /// Maximal effective events setting membership (create, add, remove, leave).
    pub membership: Vec<EventId>,
    /// Maximal effective events setting the role (create, add, set role).
    pub role: Vec<EventId>,
}

/// A title that lost to a concurrent one (rule 6), kept visible.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TitleConflict {
    pub event: EventId,
    pub title: String,
}

/// One removal of a removal cycle (rule 5): `event` removed or demoted `target`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct CycleRemoval {
    pub event: EventId,
    pub target: PublicKey,
}

/// What a group looks like: members with roles, title, and what the rules flag.
///
/// Members and devices change only through methods, because the view hash's
/// member tree is kept up to date with them.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct View {
    pub group: GroupId,
    pub title: String,
    members: BTreeMap<PublicKey, Member>,
    /// Linked devices of current members, by device key.
    devices: BTreeMap<PublicKey, Device>,
    /// The same devices by member, so one member's bucket of the member tree
    /// is rehashed without looking at every device.
    devices_by_owner: BTreeMap<PublicKey, BTreeSet<PublicKey>>,
    /// Rule 8's member tree, built by the first [`View::hash`] and kept up
    /// to date by every change to members and devices after it.
    tree: TreeCache,
    /// The last name given to every key ever added, current or former member,
    /// so former members can still be named on the command line.
    pub names: BTreeMap<PublicKey, String>,
    /// For every key an effective event was ever about: what decides it.
    pub decided: BTreeMap<PublicKey, Decided>,
    /// The maximal title events, the winner first.
    pub title_by: Vec<EventId>,
    /// Titles that lost to a concurrent one, until a later title resolves them.
    pub title_conflicts: Vec<TitleConflict>,
    /// Removal cycles that took effect, while they still decide their targets.
    pub removal_cycles: Vec<Vec<CycleRemoval>>,
    /// Authors flagged for equivocation (rule 7).
    pub forked: BTreeSet<PublicKey>,
    /// The keys changed since the view was marked as stored
    /// ([`View::mark_stored`]).
    changed: ChangedKeys,
}

/// A cache of the member tree: equal views are equal whether or not either
/// has built it.
#[derive(Clone, Default)]
struct TreeCache(OnceLock<MemberTree>);

impl PartialEq for TreeCache {
    fn eq(&self, _: &TreeCache) -> bool {
        true
    }
}

impl Eq for TreeCache {}

impl fmt::Debug for TreeCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let built = self.0.get().is_some();
        write!(f, "TreeCache {{ built: {built} }}")
    }
}

/// Why an event has no authority (rule 2), in words for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unauthorized(pub String);

/// Where [`authorize`] looks up who holds which role.
pub trait Roles {
    /// The key's role if it is a member.
    fn role_of(&self, key: &PublicKey) -> Option<Role>;
    /// The member `key` is a linked device of, if it is one.
    fn device_member(&self, key: &PublicKey) -> Option<PublicKey>;
    /// A label for messages: a name, or a short key.
    fn label(&self, key: &PublicKey) -> String;
    /// True before the group's `Create` took effect.
    fn is_fresh(&self) -> bool;
}

/// Why `op` by `author` would leave the group unmanageable, if it would:
/// without its owner (nobody could ever change an admin's role or remove an
/// admin again), or with no owner or admin at all (nobody could add or remove
/// anyone). Such an op is valid under the rules, and irreversible, so local
/// authoring refuses it unless forced (`docs/decisions.md`).
pub fn leaves_unmanageable(view: &View, author: &PublicKey, op: &Op) -> Option<String> {
    // The member this op takes out of the managers, if any.
    let (target, demoted_to) = match op {
        Op::Leave => (acting(view, author), None),
        Op::Remove { member } => (*member, None),
        Op::SetRole { member, role } => (*member, Some(*role)),
        Op::Create { .. }
        | Op::Add { .. }
        | Op::SetTitle { .. }
        | Op::LinkDevice { .. }
        | Op::UnlinkDevice { .. } => return None,
    };
    let before = view.role_of(&target)?;
    if demoted_to.is_some_and(|r| r >= before) {
        return None;
    }
    let who = view.label(&target);
    if before == Role::Owner {
        return Some(format!(
            "this would leave \"{}\" without its owner ({who}): nobody could ever change an admin's role or remove an admin again",
            view.title
        ));
    }
    let still_managed = view
        .members
        .iter()
        .any(|(key, m)| *key != target && m.role >= Role::Admin)
        || demoted_to.is_some_and(|r| r >= Role::Admin);
    if before >= Role::Admin && !still_managed {
        return Some(format!(
            "this would leave \"{}\" with no owner or admin once {who} is no longer one: nobody could add or remove members again",
            view.title
        ));
    }
    None
}

/// The role an op needs of its author (rule 2). A demotion below it, or a
/// removal, concurrent with the op revokes it (rule 5).
pub fn needed_role(op: &Op) -> Role {
    match op {
        Op::Create { .. } | Op::Leave | Op::LinkDevice { .. } | Op::UnlinkDevice { .. } => {
            Role::Member
        }
        Op::Add { .. } | Op::Remove { .. } | Op::SetRole { .. } | Op::SetTitle { .. } => {
            Role::Admin
        }
    }
}

/// The member an event by `author` acts for: the author when it is a
/// member (a member's own key always acts for itself), else the member it is
/// a linked device of, else the author (who then holds no role).
pub fn acting(roles: &dyn Roles, author: &PublicKey) -> PublicKey {
    if roles.role_of(author).is_some() {
        return *author;
    }
    roles.device_member(author).unwrap_or(*author)
}

/// Rule 2: may `author` make `op`, given who holds which role in its past?
/// A linked device acts with its member's role; only a member's own key may
/// link or unlink devices, and only its own.
pub fn authorize(roles: &dyn Roles, author: &PublicKey, op: &Op) -> Result<(), Unauthorized> {
    let deny = |why: String| Err(Unauthorized(why));
    if let Op::Create { .. } = op {
        return if roles.is_fresh() {
            Ok(())
        } else {
            deny("a group is created only once".into())
        };
    }
    let member = acting(roles, author);
    let Some(own) = roles.role_of(&member) else {
        return deny(format!(
            "{} is not a member of the group, nor a device linked to one",
            roles.label(author)
        ));
    };
    if let Some(device) = op.device() {
        return authorize_device_op(roles, author, &member, &device, op);
    }
    let author = &member;
    if own < needed_role(op) {
        let what = match op {
            Op::Add { .. } => "add members",
            Op::Remove { .. } => "remove members",
            Op::SetRole { .. } => "change roles",
            Op::SetTitle { .. } => "set the title",
            // Cannot be reached: these need only `member`, which every member holds.
            Op::Create { .. } | Op::Leave | Op::LinkDevice { .. } | Op::UnlinkDevice { .. } => {
                "act"
            }
        };
        return deny(format!(
            "{} is a {own}; only an admin or owner may {what}",
            roles.label(author)
        ));
    }
    let check_grant = |role: Role| {
        if role == Role::Owner || role > own {
            return deny(format!(
                "{} is a {own} and cannot grant the {role} role",
                roles.label(author)
            ));
        }
        Ok(())
    };
    // A remover or role-setter must hold at least the target's role.
    let check_outranks = |target: &PublicKey, what: &str| match roles.role_of(target) {
        Some(theirs) if theirs > own => deny(format!(
            "{} is a {own} and cannot {what} {} (a {theirs})",
            roles.label(author),
            roles.label(target)
        )),
        _ => Ok(()),
    };
    match op {
        Op::Create { .. }
        | Op::Leave
        | Op::SetTitle { .. }
        | Op::LinkDevice { .. }
        | Op::UnlinkDevice { .. } => Ok(()),
        Op::Add { member, role, .. } => {
            check_grant(*role)?;
            check_outranks(member, "change")
        }
        Op::Remove { member } => check_outranks(member, "remove"),
        Op::SetRole { member, role } => {
            check_grant(*role)?;
            check_outranks(member, "change the role of")
        }
    }
}

/// Rule 2 for device ops: by the member's own key, about a key that is not
/// a member, linked to no other member (link), or linked to this one (unlink).
fn authorize_device_op(
    roles: &dyn Roles,
    author: &PublicKey,
    member: &PublicKey,
    device: &PublicKey,
    op: &Op,
) -> Result<(), Unauthorized> {
    let deny = |why: String| Err(Unauthorized(why));
    if author != member {
        return deny(format!(
            "{} is a device; only a member's own key may link or unlink devices",
            roles.label(author)
        ));
    }
    let linked_to = roles.device_member(device);
    match op {
        Op::LinkDevice { .. } if roles.role_of(device).is_some() => deny(format!(
            "{} is a member of the group; a member's key cannot be linked as a device",
            roles.label(device)
        )),
        Op::LinkDevice { .. } => match linked_to {
            Some(other) if other != *member => deny(format!(
                "{} is already a device of {}",
                device.short(),
                roles.label(&other)
            )),
            _ => Ok(()),
        },
        _ if linked_to != Some(*member) => deny(format!(
            "{} is not a device of {}",
            device.short(),
            roles.label(member)
        )),
        _ => Ok(()),
    }
}

impl Roles for View {
    fn role_of(&self, key: &PublicKey) -> Option<Role> {
        View::role_of(self, key)
    }

    fn device_member(&self, key: &PublicKey) -> Option<PublicKey> {
        self.devices.get(key).map(|d| d.member)
    }

    fn label(&self, key: &PublicKey) -> String {
        View::label(self, key)
    }

    fn is_fresh(&self) -> bool {
        self.decided.is_empty()
    }
}

impl View {
    /// The empty view before a group's `Create`.
    pub fn empty(group: GroupId) -> View {
        View {
            group,
            ..View::default()
        }
    }

    pub fn role_of(&self, key: &PublicKey) -> Option<Role> {
        self.members.get(key).map(|m| m.role)
    }

    /// The current members, by key.
    pub fn members(&self) -> &BTreeMap<PublicKey, Member> {
        &self.members
    }

    /// The linked devices of current members, by device key.
    pub fn devices(&self) -> &BTreeMap<PublicKey, Device> {
        &self.devices
    }

    /// Replaces members and devices at once (a stored view being read back).
    pub fn set_members(
        &mut self,
        members: BTreeMap<PublicKey, Member>,
        devices: BTreeMap<PublicKey, Device>,
    ) {
        let mut by_owner: BTreeMap<PublicKey, BTreeSet<PublicKey>> = BTreeMap::new();
        for (device, d) in &devices {
            by_owner.entry(d.member).or_default().insert(*device);
        }
        self.members = members;
        self.devices = devices;
        self.devices_by_owner = by_owner;
        self.tree = TreeCache::default();
        // Wholesale: what changed is no longer known key by key.
        self.changed = ChangedKeys::default();
    }

    /// Makes `key` a member with `member`'s role and name.
    pub fn insert_member(&mut self, key: PublicKey, member: Member) {
        self.members.insert(key, member);
        self.rehash_bucket_of(&key);
        self.changed.record(key);
    }

    /// From now on this view equals a copy kept elsewhere (the store's rows
    /// of it): the keys changed after this are recorded
    /// ([`View::changed_since`]).
    pub fn mark_stored(&mut self) {
        self.changed.mark();
    }

    /// The mark [`View::mark_stored`] set last, if any.
    pub fn stored_mark(&self) -> Option<u64> {
        self.changed.current_mark()
    }

    /// The keys whose membership, device link, name or deciding events
    /// changed since `mark`, when this view was computed from the view
    /// marked so by changes alone; `None` when that is not known.
    pub fn changed_since(&self, mark: u64) -> Option<&BTreeSet<PublicKey>> {
        self.changed.since(mark)
    }

    /// `key`'s deciding events, to set: every write to them goes through
    /// here, so that the change is recorded ([`View::changed_since`]).
    pub fn decided_mut(&mut self, key: PublicKey) -> &mut Decided {
        self.changed.record(key);
        self.decided.entry(key).or_default()
    }

    /// Takes `key` out of the members (its devices stay until
    /// [`View::unlink_device`] or a removal takes them).
    pub fn remove_member(&mut self, key: &PublicKey) -> Option<Member> {
        let removed = self.members.remove(key);
        self.rehash_bucket_of(key);
        self.changed.record(*key);
        removed
    }

    /// Links `device` to a member (replacing any earlier link of it).
    pub fn link_device(&mut self, device: PublicKey, linked: Device) {
        let owner = linked.member;
        // The owner's too: the store lists a member's devices with it
        // (`store::member_pages`).
        self.changed.record(device);
        self.changed.record(owner);
        if let Some(old) = self.devices.insert(device, linked) {
            self.forget_owner(&old.member, &device);
        }
        self.devices_by_owner
            .entry(owner)
            .or_default()
            .insert(device);
        self.rehash_bucket_of(&owner);
    }

    /// Unlinks `device` from its member.
    pub fn unlink_device(&mut self, device: &PublicKey) -> Option<Device> {
        let old = self.devices.remove(device)?;
        self.changed.record(*device);
        self.forget_owner(&old.member, device);
        Some(old)
    }

    fn forget_owner(&mut self, owner: &PublicKey, device: &PublicKey) {
        self.changed.record(*owner);
        if let Some(set) = self.devices_by_owner.get_mut(owner) {
            set.remove(device);
            if set.is_empty() {
                self.devices_by_owner.remove(owner);
            }
        }
        self.rehash_bucket_of(owner);
    }

    /// Keeps the member tree, once built, up to date with a change to `key`'s
    /// membership, role or devices: its bucket and the 16 nodes above it.
    fn rehash_bucket_of(&mut self, key: &PublicKey) {
        if let Some(tree) = self.tree.0.get_mut() {
            let bucket = member_tree::bucket_of(key);
            let digest = member_tree::bucket_digest(&hashed_bucket(
                &self.members,
                &self.devices_by_owner,
                bucket,
            ));
            tree.set_bucket(bucket, digest);
        }
    }

    /// Gives `key` a name for display when the group gave it none (the
    /// store's own identity, named with `gmm init --name`, say; a group's
    /// creator has no name in it). Display only: never stored or hashed.
    pub fn name_locally(&mut self, key: &PublicKey, name: &str) {
        if name.is_empty() {
            return;
        }
        let entry = self.names.entry(*key).or_default();
        if entry.is_empty() {
            *entry = name.to_string();
        }
        self.changed.record(*key);
        if let Some(member) = self.members.get_mut(key) {
            if member.name.is_empty() {
                member.name = name.to_string();
            }
        }
    }

    /// A label for a key: its name in this group if it has one, else a short
    /// key; a linked device is `member/device` (`alice/phone`).
    pub fn label(&self, key: &PublicKey) -> String {
        if let Some(device) = self.devices.get(key) {
            let name = match device.name.as_str() {
                "" => key.short(),
                name => name.to_string(),
            };
            return format!("{}/{name}", self.label(&device.member));
        }
        match self.names.get(key) {
            Some(name) if !name.is_empty() => name.clone(),
            _ => key.short(),
        }
    }

    /// The member an event by `author` acts for (see [`acting`]).
    pub fn acting(&self, author: &PublicKey) -> PublicKey {
        acting(self, author)
    }

    /// Every member's linked devices, grouped once (listing a whole view
    /// with [`View::devices_of`] per member would cost members × devices).
    pub fn devices_by_member(&self) -> BTreeMap<PublicKey, Vec<(PublicKey, &Device)>> {
        let mut out: BTreeMap<PublicKey, Vec<(PublicKey, &Device)>> = BTreeMap::new();
        for (key, d) in &self.devices {
            out.entry(d.member).or_default().push((*key, d));
        }
        out
    }

    /// A member's linked devices, by key.
    pub fn devices_of<'v>(
        &'v self,
        member: &'v PublicKey,
    ) -> impl Iterator<Item = (&'v PublicKey, &'v Device)> + 'v {
        self.devices_by_owner
            .get(member)
            .into_iter()
            .flatten()
            .filter_map(|device| self.devices.get_key_value(device))
    }

    /// A member's devices go when the member does (leave or removal), and do
    /// not come back with a re-add.
    fn drop_devices_of(&mut self, member: &PublicKey) {
        for device in self.devices_by_owner.remove(member).unwrap_or_default() {
            self.devices.remove(&device);
            self.changed.record(device);
        }
        self.rehash_bucket_of(member);
    }

    /// Sets a member's role (nothing if `key` is not a member).
    pub fn set_role(&mut self, key: &PublicKey, role: Role) {
        if let Some(m) = self.members.get_mut(key) {
            m.role = role;
            self.rehash_bucket_of(key);
            self.changed.record(*key);
        }
    }

    /// Rule 2 against this view.
    pub fn authorize(&self, author: &PublicKey, op: &Op) -> Result<(), Unauthorized> {
        authorize(self, author, op)
    }

    /// Applies an effective event that has this whole view in its past: it is
    /// the one maximal event about its target, and a title it sets has seen
    /// every earlier title.
    pub fn apply(&mut self, id: EventId, author: &PublicKey, op: &Op) {
        let decide_both = |view: &mut View, key: PublicKey| {
            let d = view.decided_mut(key);
            d.membership = vec![id];
            d.role = vec![id];
        };
        match op {
            Op::Create { title, .. } => {
                self.set_title(id, title);
                let name = self.names.get(author).cloned().unwrap_or_default();
                self.insert_member(
                    *author,
                    Member {
                        role: Role::Owner,
                        name,
                    },
                );
                self.names.entry(*author).or_default();
                decide_both(self, *author);
            }
            Op::Add { member, role, name } => {
                let entry = Member {
                    role: *role,
                    name: name.clone(),
                };
                self.insert_member(*member, entry);
                self.names.insert(*member, name.clone());
                decide_both(self, *member);
            }
            Op::Remove { member } => {
                self.remove_member(member);
                self.drop_devices_of(member);
                self.decided_mut(*member).membership = vec![id];
            }
            Op::Leave => {
                let member = self.acting(author);
                self.remove_member(&member);
                self.drop_devices_of(&member);
                self.decided_mut(member).membership = vec![id];
            }
            Op::LinkDevice { device, name } => {
                let member = self.acting(author);
                let name = name.clone();
                self.link_device(*device, Device { member, name });
                self.decided_mut(*device).membership = vec![id];
            }
            Op::UnlinkDevice { device } => {
                self.unlink_device(device);
                self.decided_mut(*device).membership = vec![id];
            }
            Op::SetRole { member, role } => {
                self.set_role(member, *role);
                self.decided_mut(*member).role = vec![id];
            }
            Op::SetTitle { title } => self.set_title(id, title),
        }
        self.prune_cycles();
    }

    /// [`View::apply`] of a local draft, whose id is not known yet: the id
    /// covers the event's `view` field, the hash of this view after it
    /// (SPEC §2). The hash ignores event ids, so the op is applied with a
    /// placeholder, which [`View::name_applied`] replaces by the id once it
    /// is known. The key an op decides is its target (for a leave, the
    /// member its author acts for) or its device; a create decides its
    /// author's key, and a create or a title decides the title.
    pub fn apply_unnamed(&mut self, author: &PublicKey, op: &Op) -> Unnamed {
        let key = match op {
            Op::Create { .. } => Some(*author),
            // Acting as `apply` finds it, before a leave drops the member's devices.
            _ => op.target(self.acting(author)).or(op.device()),
        };
        let title = matches!(op, Op::Create { .. } | Op::SetTitle { .. });
        self.apply(EventId::default(), author, op);
        Unnamed { key, title }
    }

    /// Names the event [`View::apply_unnamed`] applied: its placeholder id
    /// becomes `id` wherever the op made it a deciding event. (Removal
    /// cycles never hold it: they come from resolved segments, and an
    /// applied op only prunes them.)
    pub fn name_applied(&mut self, unnamed: Unnamed, id: EventId) {
        let name = |ids: &mut Vec<EventId>| {
            for placeholder in ids.iter_mut().filter(|i| **i == EventId::default()) {
                *placeholder = id;
            }
        };
        if let Some(key) = unnamed.key {
            let decided = self.decided_mut(key);
            name(&mut decided.membership);
            name(&mut decided.role);
        }
        if unnamed.title {
            name(&mut self.title_by);
        }
    }

    /// [`View::apply`], keeping what it changes so that [`View::undo`] puts
    /// the view back as it was. The keys an event can change are its
    /// author, the member it acts for, the member or device it names, the
    /// owners of those devices and every device of those members; then the
    /// title and the removal cycles. Each is saved whole (membership,
    /// device link, devices owned, name, deciding events), so the undo
    /// needs no knowledge of the op.
    ///
    /// Why: the view hash an event signed is the view of its past plus
    /// itself. For k concurrent events each citing only the segment's base
    /// (100,000 leaves), a copy of the base for each cost O(k × members);
    /// one working copy applied to and undone costs O(k).
    pub fn apply_undoable(&mut self, id: EventId, author: &PublicKey, op: &Op) -> Undo {
        let mut keys: BTreeSet<PublicKey> = [*author, self.acting(author)].into_iter().collect();
        match op {
            Op::Add { member, .. } | Op::Remove { member } | Op::SetRole { member, .. } => {
                keys.insert(*member);
            }
            Op::LinkDevice { device, .. } | Op::UnlinkDevice { device } => {
                keys.insert(*device);
            }
            Op::Create { .. } | Op::Leave | Op::SetTitle { .. } => {}
        }
        let owners: Vec<PublicKey> = keys
            .iter()
            .filter_map(|k| self.devices.get(k).map(|d| d.member))
            .collect();
        keys.extend(owners);
        let owned: Vec<PublicKey> = keys
            .iter()
            .filter_map(|k| self.devices_by_owner.get(k))
            .flatten()
            .copied()
            .collect();
        keys.extend(owned);
        let saved = keys
            .into_iter()
            .map(|key| SavedKey {
                key,
                member: self.members.get(&key).cloned(),
                device: self.devices.get(&key).cloned(),
                owned: self.devices_by_owner.get(&key).cloned(),
                name: self.names.get(&key).cloned(),
                decided: self.decided.get(&key).cloned(),
            })
            .collect();
        let undo = Undo {
            saved,
            title: self.title.clone(),
            title_by: self.title_by.clone(),
            title_conflicts: self.title_conflicts.clone(),
            removal_cycles: self.removal_cycles.clone(),
        };
        self.apply(id, author, op);
        undo
    }

    /// Puts back what [`View::apply_undoable`] changed, member tree included.
    pub fn undo(&mut self, undo: Undo) {
        fn restore<V>(map: &mut BTreeMap<PublicKey, V>, key: PublicKey, value: Option<V>) {
            match value {
                Some(value) => map.insert(key, value),
                None => map.remove(&key),
            };
        }
        let keys: Vec<PublicKey> = undo.saved.iter().map(|s| s.key).collect();
        for saved in undo.saved {
            self.changed.record(saved.key);
            restore(&mut self.members, saved.key, saved.member);
            restore(&mut self.devices, saved.key, saved.device);
            restore(&mut self.devices_by_owner, saved.key, saved.owned);
            restore(&mut self.names, saved.key, saved.name);
            restore(&mut self.decided, saved.key, saved.decided);
        }
        // The tree is a function of the members and their devices: the
        // restored keys' buckets hash as they did (once all are restored,
        // since a bucket may hold several of them).
        for key in &keys {
            self.rehash_bucket_of(key);
        }
        self.title = undo.title;
        self.title_by = undo.title_by;
        self.title_conflicts = undo.title_conflicts;
        self.removal_cycles = undo.removal_cycles;
    }

    fn set_title(&mut self, id: EventId, title: &str) {
        self.title = title.to_string();
        self.title_by = vec![id];
        self.title_conflicts.clear();
    }

    /// Keeps only the removal cycles whose removals all still decide their
    /// targets' membership: a later event about a member ends that conflict.
    pub fn prune_cycles(&mut self) {
        let decided = &self.decided;
        self.removal_cycles.retain(|cycle| {
            cycle.iter().all(|r| {
                decided
                    .get(&r.target)
                    .is_some_and(|d| d.membership.contains(&r.event))
            })
        });
    }

    /// Rule 8: blake3 (domain-separated) over the canonical encoding of
    /// `(group, title, member-tree root)`, the tree being over the members
    /// sorted by key with their roles and sorted device keys
    /// ([`member_tree`]). Names and heads are left out, so peers with the
    /// same membership agree on the hash. The first call builds the tree
    /// (O(members)); after it each change to a member costs O(1) hashes.
    pub fn hash(&self) -> ViewHash {
        let tree = self
            .tree
            .0
            .get_or_init(|| MemberTree::build(member_tree::bucket_digests_of(self.hashed())));
        view_hash(&self.group, &self.title, &tree.root())
    }

    /// The members as rule 8 hashes them: by key, with role and device keys.
    pub fn hashed_members(&self) -> Vec<codec::HashedMember> {
        self.hashed().collect()
    }

    fn hashed(&self) -> impl Iterator<Item = codec::HashedMember> + '_ {
        self.members
            .iter()
            .map(|(k, m)| (*k, m.role, self.device_keys_of(k)))
    }

    fn device_keys_of(&self, member: &PublicKey) -> Vec<PublicKey> {
        device_keys(&self.devices_by_owner, member)
    }
}

/// Rule 8's view hash of a group, title and member-tree root.
pub fn view_hash(group: &GroupId, title: &str, members_root: &member_tree::Digest) -> ViewHash {
    let bytes = codec::view_hash_input(group, title, members_root);
    ViewHash(hash::derive(hash::VIEW_HASH, &bytes))
}

fn device_keys(
    by_owner: &BTreeMap<PublicKey, BTreeSet<PublicKey>>,
    member: &PublicKey,
) -> Vec<PublicKey> {
    by_owner
        .get(member)
        .map(|set| set.iter().copied().collect())
        .unwrap_or_default()
}

/// One bucket's members as rule 8 hashes them.
fn hashed_bucket(
    members: &BTreeMap<PublicKey, Member>,
    by_owner: &BTreeMap<PublicKey, BTreeSet<PublicKey>>,
    bucket: u16,
) -> Vec<codec::HashedMember> {
    members
        .range(member_tree::bucket_keys(bucket))
        .map(|(k, m)| (*k, m.role, device_keys(by_owner, k)))
        .collect()
}

/// A view's title and members: what the report of an import compares with
/// the view after it ([`Changes::since`]). An import keeps this of each
/// group it touches instead of a copy of the whole view (former members'
/// names, deciding events, devices, member tree): about a quarter of the
/// memory for a group of 100,000 members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TitleAndMembers {
    pub title: String,
    pub members: BTreeMap<PublicKey, Member>,
}

impl View {
    /// This view's title and members ([`TitleAndMembers`]).
    pub fn title_and_members(&self) -> TitleAndMembers {
        TitleAndMembers {
            title: self.title.clone(),
            members: self.members.clone(),
        }
    }
}

/// How a view changed: what an import did, or how two peers' views differ.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Members in `after` only.
    pub added: Vec<(PublicKey, Member)>,
    /// Members in `before` only.
    pub removed: Vec<(PublicKey, Member)>,
    /// Members in both whose role differs: `(key, before, after)`.
    pub roles: Vec<(PublicKey, Role, Role)>,
    /// The title, when it differs: `(before, after)`.
    pub title: Option<(String, String)>,
}

impl Changes {
    pub fn between(before: &View, after: &View) -> Changes {
        Changes::of(&before.title, &before.members, after)
    }

    /// How `after` differs from a view's title and members kept from before.
    pub fn since(before: &TitleAndMembers, after: &View) -> Changes {
        Changes::of(&before.title, &before.members, after)
    }

    /// How a group went from `before` to `after`; with no `before`, the
    /// group is new (everything in `after` was added).
    pub fn since_or_new(before: Option<&TitleAndMembers>, after: &View) -> Changes {
        match before {
            Some(before) => Changes::since(before, after),
            None => Changes::between(&View::empty(after.group), after),
        }
    }

    fn of(title: &str, members: &BTreeMap<PublicKey, Member>, after: &View) -> Changes {
        let mut changes = Changes::default();
        for (key, member) in &after.members {
            match members.get(key) {
                None => changes.added.push((*key, member.clone())),
                Some(old) if old.role != member.role => {
                    changes.roles.push((*key, old.role, member.role))
                }
                Some(_) => {}
            }
        }
        for (key, member) in members {
            if !after.members.contains_key(key) {
                changes.removed.push((*key, member.clone()));
            }
        }
        if title != after.title {
            changes.title = Some((title.to_string(), after.title.clone()));
        }
        changes
    }

    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> PublicKey {
        PublicKey([n; 32])
    }

    fn created() -> View {
        let mut view = View::empty(GroupId::default());
        let create = Op::Create {
            title: "t".into(),
            nonce: [0; 16],
        };
        view.authorize(&key(1), &create).unwrap();
        view.apply(EventId([100; 32]), &key(1), &create);
        view
    }

    fn add(view: &mut View, by: u8, who: u8, role: Role) -> Result<(), Unauthorized> {
        let op = Op::Add {
            member: key(who),
            role,
            name: String::new(),
        };
        view.authorize(&key(by), &op)?;
        view.apply(EventId([who; 32]), &key(by), &op);
        Ok(())
    }

    #[test]
    fn creator_is_owner_and_roles_bound_grants() {
        let mut view = created();
        assert_eq!(view.role_of(&key(1)), Some(Role::Owner));
        add(&mut view, 1, 2, Role::Admin).unwrap();
        add(&mut view, 2, 3, Role::Member).unwrap();
        assert!(
            add(&mut view, 3, 4, Role::Member).is_err(),
            "members cannot add"
        );
        assert!(
            add(&mut view, 2, 4, Role::Owner).is_err(),
            "owner is never granted"
        );
        assert!(
            add(&mut view, 9, 4, Role::Member).is_err(),
            "non-members cannot add"
        );
        let create_again = Op::Create {
            title: "x".into(),
            nonce: [0; 16],
        };
        assert!(view.authorize(&key(1), &create_again).is_err());
    }

    #[test]
    fn only_equal_or_higher_roles_remove() {
        let mut view = created();
        add(&mut view, 1, 2, Role::Admin).unwrap();
        add(&mut view, 1, 3, Role::Admin).unwrap();
        let remove_owner = Op::Remove { member: key(1) };
        assert!(view.authorize(&key(2), &remove_owner).is_err());
        let remove_admin = Op::Remove { member: key(3) };
        assert!(
            view.authorize(&key(2), &remove_admin).is_ok(),
            "admins remove admins"
        );
        assert!(view.authorize(&key(2), &Op::Leave).is_ok());
    }

    proptest::proptest! {
        /// A view that keeps its member tree up to date through any run of
        /// adds, removals, role changes, leaves and device links hashes as a
        /// view built from its members and devices afresh.
        #[test]
        fn a_kept_tree_hashes_as_a_fresh_one(
            ops in proptest::collection::vec((0u8..6, 0u8..12, 0u8..12), 1..60),
        ) {
            let mut view = created();
            view.hash(); // build the tree now, so every op below updates it
            for (what, a, b) in ops {
                // Keys 0..12 spread over three buckets, so buckets are shared.
                let k = |n: u8| {
                    let mut bytes = [n; 32];
                    bytes[0] = n % 3;
                    bytes[1] = 0;
                    PublicKey(bytes)
                };
                let op = match what {
                    0 => Op::Add { member: k(a), role: Role::Member, name: String::new() },
                    1 => Op::Remove { member: k(a) },
                    2 => Op::SetRole { member: k(a), role: Role::Admin },
                    3 => Op::LinkDevice { device: k(b), name: String::new() },
                    4 => Op::UnlinkDevice { device: k(b) },
                    _ => Op::Leave,
                };
                let author = if what >= 3 { k(a) } else { key(1) };
                view.apply(EventId([a; 32]), &author, &op);
                let mut fresh = View::empty(view.group);
                fresh.title = view.title.clone();
                fresh.set_members(view.members().clone(), view.devices().clone());
                proptest::prop_assert_eq!(view.hash(), fresh.hash());
            }
        }
    }

    /// Key `n` of a small set whose keys share member-tree buckets (the
    /// first byte is `n % 3`), for the apply/undo laws.
    fn small_key(n: u8) -> PublicKey {
        let mut bytes = [n; 32];
        bytes[0] = n % 3;
        bytes[1] = 0;
        PublicKey(bytes)
    }

    /// An op of kind `what` about small keys `a` (a member) or `b` (a device).
    fn op_on_small_keys(what: u8, a: u8, b: u8) -> Op {
        let k = small_key;
        match what {
            0 => Op::Add {
                member: k(a),
                role: Role::Member,
                name: format!("n{a}"),
            },
            1 => Op::Remove { member: k(a) },
            2 => Op::SetRole {
                member: k(a),
                role: Role::Admin,
            },
            3 => Op::LinkDevice {
                device: k(b),
                name: format!("d{b}"),
            },
            4 => Op::UnlinkDevice { device: k(b) },
            5 => Op::Leave,
            6 => Op::SetTitle {
                title: format!("t{a}"),
            },
            _ => Op::Create {
                title: "again".into(),
                nonce: [0; 16],
            },
        }
    }

    proptest::proptest! {
        /// An applied event undone leaves the view as it was, member tree
        /// included, and the view between hashes as a copy with the event
        /// applied: whatever the op, its author (a member, a device, a
        /// stranger) and the devices around it.
        #[test]
        fn an_undone_event_leaves_the_view_as_it_was(
            setup in proptest::collection::vec((0u8..6, 0u8..12, 0u8..12), 0..30),
            (what, a, b) in (0u8..8, 0u8..12, 0u8..12),
        ) {
            let (k, op_of) = (small_key, op_on_small_keys);
            let mut view = created();
            view.hash();
            for (what, a, b) in setup {
                let author = if what >= 3 { k(a) } else { key(1) };
                view.apply(EventId([a; 32]), &author, &op_of(what, a, b));
            }
            let before = view.clone();
            let author = if what >= 3 { k(a) } else { key(1) };
            let op = op_of(what, a, b);
            let mut applied = view.clone();
            applied.apply(EventId([99; 32]), &author, &op);
            let undo = view.apply_undoable(EventId([99; 32]), &author, &op);
            proptest::prop_assert_eq!(&view, &applied);
            proptest::prop_assert_eq!(view.hash(), applied.hash());
            view.undo(undo);
            proptest::prop_assert_eq!(&view, &before);
            let mut fresh = View::empty(view.group);
            fresh.title = view.title.clone();
            fresh.set_members(view.members().clone(), view.devices().clone());
            proptest::prop_assert_eq!(view.hash(), fresh.hash());
            proptest::prop_assert_eq!(view.hash(), before.hash());
        }
    }

    proptest::proptest! {
        /// An op applied before its id is known and then named is the op
        /// applied with its id (a local draft projected in place), whatever
        /// the op, its author and the devices around it.
        #[test]
        fn an_op_applied_unnamed_then_named_is_the_op_applied(
            setup in proptest::collection::vec((0u8..7, 0u8..12, 0u8..12), 0..30),
            (what, a, b) in (0u8..8, 0u8..12, 0u8..12),
        ) {
            let (k, op_of) = (small_key, op_on_small_keys);
            let mut view = created();
            for (what, a, b) in setup {
                let author = if what >= 3 { k(a) } else { key(1) };
                // Never the placeholder (no real id is zero).
                view.apply(EventId([a + 1; 32]), &author, &op_of(what, a, b));
            }
            let author = if what >= 3 { k(a) } else { key(1) };
            let op = op_of(what, a, b);
            let mut applied = view.clone();
            applied.apply(EventId([99; 32]), &author, &op);
            let unnamed = view.apply_unnamed(&author, &op);
            proptest::prop_assert_eq!(view.hash(), applied.hash());
            view.name_applied(unnamed, EventId([99; 32]));
            proptest::prop_assert_eq!(&view, &applied);
        }
    }

    #[test]
    fn hash_ignores_names_but_not_roles() {
        let mut a = created();
        add(&mut a, 1, 2, Role::Member).unwrap();
        let mut b = a.clone();
        b.name_locally(&key(2), "bob");
        assert_eq!(b.members()[&key(2)].name, "bob");
        assert_eq!(a.hash(), b.hash());
        b.set_role(&key(2), Role::Admin);
        assert_ne!(a.hash(), b.hash());
    }
}
