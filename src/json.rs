//! The JSON output contract (format version [`JSON_FORMAT_VERSION`],
//! `docs/json.md`): one serde struct per document a command prints with
//! `--json`, built here and nowhere else, so each field has one spelling across
//! commands. Keys and ids are 64 lowercase hex characters; times are given as
//! `…_ms` (ms since the Unix epoch) and, for events, `time` (RFC 3339). Later
//! versions may add fields; they never rename or remove one. The CLI tests
//! deserialize every command's output into these structs (closed ones refuse
//! unknown fields), so the docs, the code and the output cannot drift apart.
//! Building values never prints.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::Serialize;

pub use crate::bundle::jsonl::OpJson;
pub use crate::bundle::jsonl::ParentJson;
pub use crate::bundle::jsonl::ReadableEvent;
use crate::model::event::EventId;
use crate::model::event::PublicKey;
use crate::model::signed::SignedEvent;
use crate::rules::projection::Verdict;
use crate::rules::view::Changes;
use crate::rules::view::Member;
use crate::rules::view::TitleAndMembers;
use crate::rules::view::View;
use crate::store::EventMeta;

/// The version of this contract, as `docs/json.md` names it.
pub const JSON_FORMAT_VERSION: u32 = 1;

fn hexes(ids: &[EventId]) -> Vec<String> {
    ids.iter().map(|id| id.to_hex()).collect()
}

/// An event (`log`, `add`/`remove`/`leave`/`role`/`title`, `batch`, inside `why`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventJson {
    #[serde(flatten)]
    pub event: ReadableEvent,
    pub author_name: String,
    /// `effective`, `unauthorized`, `revoked` or `pending`; absent when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Why it is unauthorized (rule 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The concurrent removal or demotion that revoked it (rule 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lamport: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
    /// For a pending event: the ids it waits for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<String>>,
}

impl EventJson {
    /// An event with what the store computed about it (when known), naming
    /// its author as `view` does.
    pub fn new(signed: &SignedEvent, meta: Option<&EventMeta>, view: &View) -> EventJson {
        let author_name = view.names.get(&signed.event.author).cloned();
        EventJson::named(signed, meta, author_name.unwrap_or_default())
    }

    /// [`EventJson::new`], with the author's name given.
    pub fn named(signed: &SignedEvent, meta: Option<&EventMeta>, author_name: String) -> EventJson {
        let mut json = EventJson {
            event: signed.into(),
            author_name,
            status: None,
            reason: None,
            revoked_by: None,
            lamport: None,
            log_index: None,
            missing: None,
        };
        if let Some(meta) = meta {
            json.status = Some(meta.verdict.word().to_string());
            match &meta.verdict {
                Verdict::Unauthorized(reason) => json.reason = Some(reason.clone()),
                Verdict::Revoked { by } => json.revoked_by = Some(by.to_hex()),
                Verdict::Effective => {}
            }
            json.lamport = Some(meta.lamport);
            json.log_index = Some(meta.log_index);
        }
        json
    }

    /// A pending event: held until `missing` arrive (SPEC §4).
    pub fn pending(signed: &SignedEvent, missing: &[EventId], view: &View) -> EventJson {
        let mut json = EventJson::new(signed, None, view);
        json.status = Some("pending".into());
        json.missing = Some(hexes(missing));
        json
    }
}

/// A member with its role and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberJson {
    pub key: String,
    pub role: String,
    pub name: String,
    /// The member's linked devices (`members`; empty elsewhere).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<MemberDeviceJson>,
}

/// A device inside a member of `members --json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberDeviceJson {
    pub key: String,
    pub name: String,
}

impl MemberJson {
    pub fn new(key: &PublicKey, member: &Member) -> MemberJson {
        MemberJson {
            key: key.to_hex(),
            role: member.role.as_str().into(),
            name: member.name.clone(),
            devices: Vec::new(),
        }
    }

    /// A member with its linked devices (`View::devices_by_member`).
    pub fn with_devices(
        key: &PublicKey,
        member: &Member,
        devices: &[(PublicKey, &crate::rules::view::Device)],
    ) -> MemberJson {
        let mut json = MemberJson::new(key, member);
        json.devices = devices
            .iter()
            .map(|(k, d)| MemberDeviceJson {
                key: k.to_hex(),
                name: d.name.clone(),
            })
            .collect();
        json
    }

    fn list(members: &[(PublicKey, Member)]) -> Vec<MemberJson> {
        members.iter().map(|(k, m)| MemberJson::new(k, m)).collect()
    }
}

/// The view (`members`): members sorted by key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewJson {
    pub group: String,
    pub title: String,
    pub view_hash: String,
    pub members: Vec<MemberJson>,
}

impl From<&View> for ViewJson {
    fn from(view: &View) -> Self {
        ViewJson {
            group: view.group.to_hex(),
            title: view.title.clone(),
            view_hash: view.hash().to_hex(),
            members: {
                let devices = view.devices_by_member();
                view.members()
                    .iter()
                    .map(|(k, m)| {
                        let mine = devices.get(k).map_or(&[][..], |d| d.as_slice());
                        MemberJson::with_devices(k, m, mine)
                    })
                    .collect()
            },
        }
    }
}

/// The view as of an event (`members --at`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewAtJson {
    #[serde(flatten)]
    pub view: ViewJson,
    pub at: String,
    /// Does the view hash equal the one the author signed? `None` for a Create.
    pub matches_signed_view: Option<bool>,
}

/// `status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusJson {
    pub group: String,
    pub title: String,
    pub view_hash: String,
    pub heads: Vec<ParentJson>,
    /// The store's local log (all groups), not the group's.
    pub log_head: LogHeadJson,
    pub counts: StatusCounts,
    pub pending: Vec<String>,
    pub missing: Vec<String>,
    pub forks: Vec<String>,
    pub conflicts: Vec<ConflictJson>,
    /// Authors whose latest event lacked changes to members or devices.
    #[serde(default)]
    pub stale: Vec<StaleJson>,
}

/// A stale sender (`status`, `import`): an author, its latest event, and the
/// changes to members or devices it had not seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaleJson {
    pub group: String,
    pub author: String,
    pub author_name: String,
    pub latest: String,
    pub lacked: Vec<String>,
    /// How many more lacked events there are beyond `lacked` (at most 64 are named).
    #[serde(default)]
    pub lacked_more: usize,
}

impl StaleJson {
    pub fn new(
        group: &crate::model::event::GroupId,
        stale: &crate::repo::stale::Stale,
        view: &View,
    ) -> StaleJson {
        StaleJson {
            group: group.to_hex(),
            author: stale.author.to_hex(),
            author_name: view.names.get(&stale.author).cloned().unwrap_or_default(),
            latest: stale.latest.to_hex(),
            lacked: hexes(&stale.lacked),
            lacked_more: stale.lacked_more,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogHeadJson {
    pub len: u64,
    pub hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusCounts {
    pub events: u64,
    pub members: u64,
    pub pending: u64,
}

/// A conflict the view shows (rules 5 and 6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum ConflictJson {
    #[serde(rename = "title")]
    Title { event: String, title: String },
    #[serde(rename = "removal-cycle")]
    RemovalCycle {
        removed: Vec<String>,
        events: Vec<String>,
    },
}

impl ConflictJson {
    /// Every conflict of a view: losing titles, then removal cycles.
    pub fn of(view: &View) -> Vec<ConflictJson> {
        let titles = view.title_conflicts.iter().map(|c| ConflictJson::Title {
            event: c.event.to_hex(),
            title: c.title.clone(),
        });
        let cycles = view
            .removal_cycles
            .iter()
            .map(|c| ConflictJson::RemovalCycle {
                removed: c.iter().map(|r| r.target.to_hex()).collect(),
                events: c.iter().map(|r| r.event.to_hex()).collect(),
            });
        titles.chain(cycles).collect()
    }
}

/// `why`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhyJson {
    pub group: String,
    pub member: String,
    pub name: String,
    pub is_member: bool,
    pub role: Option<String>,
    pub membership: RuleJson,
    pub role_decided_by: RuleJson,
    pub ineffective: Vec<EventJson>,
    pub cycles: Vec<Vec<String>>,
    /// The member's linked devices, each with the link events deciding it.
    #[serde(default)]
    pub devices: Vec<WhyDeviceJson>,
    /// When the key asked about is itself a linked device: its member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_of: Option<String>,
}

/// A linked device in `why --json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhyDeviceJson {
    pub key: String,
    pub name: String,
    pub linked_by: Vec<EventJson>,
}

/// A rule and the events it was applied to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleJson {
    pub rule: String,
    pub events: Vec<EventJson>,
}

/// `replay`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayJson {
    pub group: String,
    pub events: u64,
    pub view_hash: String,
    pub matches: bool,
    pub differences: Vec<String>,
    pub repaired: bool,
}

/// `import`, one per file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportJson {
    pub file: String,
    pub dry_run: bool,
    pub group: Option<String>,
    pub kind: Option<String>,
    pub records: u64,
    /// One key per SPEC §4 state that occurred.
    pub counts: BTreeMap<String, u64>,
    /// Pending events this import could apply.
    pub released: u64,
    pub findings: Vec<String>,
    pub want: Option<Vec<String>>,
    pub signed_by: Option<String>,
    pub groups: Vec<GroupChangeJson>,
    /// The error that stopped the import (events before it were kept).
    pub error: Option<String>,
    /// Authors of the bundle whose latest event lacked changes this store holds.
    #[serde(default)]
    pub stale: Vec<StaleJson>,
}

/// How one group's view changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupChangeJson {
    pub group: String,
    pub new_group: bool,
    pub added: Vec<MemberJson>,
    pub removed: Vec<MemberJson>,
    pub roles: Vec<RoleChangeJson>,
    pub title: Option<TitleChangeJson>,
    pub view_hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleChangeJson {
    pub key: String,
    pub from: String,
    pub to: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TitleChangeJson {
    pub from: String,
    pub to: String,
}

impl GroupChangeJson {
    /// How a group went from `before` (none: a new group) to `after`.
    pub fn new(before: Option<&TitleAndMembers>, after: &View) -> GroupChangeJson {
        let changes = Changes::since_or_new(before, after);
        GroupChangeJson {
            group: after.group.to_hex(),
            new_group: before.is_none(),
            added: MemberJson::list(&changes.added),
            removed: MemberJson::list(&changes.removed),
            roles: changes
                .roles
                .iter()
                .map(|(k, from, to)| RoleChangeJson {
                    key: k.to_hex(),
                    from: from.as_str().into(),
                    to: to.as_str().into(),
                })
                .collect(),
            title: changes.title.map(|(from, to)| TitleChangeJson { from, to }),
            view_hash: after.hash().to_hex(),
        }
    }
}

/// `export -o FILE`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportJson {
    pub group: String,
    pub events: u64,
    pub file: String,
    pub digest: Option<String>,
    pub unknown_since: Vec<String>,
}

/// `sync`: what moved each way, and the verdict afterwards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncJson {
    pub group: String,
    pub dry_run: bool,
    /// From this store to the peer.
    pub sent: SyncSideJson,
    /// From the peer to this store.
    pub received: SyncSideJson,
    /// As `diff` says it, after the sync (before, on a dry run).
    pub verdict: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncSideJson {
    /// How many events the receiving side lacked.
    pub events: u64,
    /// What its import did, per SPEC §4 state (none on a dry run).
    pub counts: Option<BTreeMap<String, u64>>,
}

/// `correct -o FILE`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectJson {
    pub group: String,
    pub events: u64,
    pub want: Vec<String>,
    pub file: String,
}

/// `bundle inspect` and `bundle verify`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleJson {
    pub group: String,
    pub kind: String,
    pub heads: Vec<ParentJson>,
    pub view_hash: String,
    pub want: Vec<String>,
    pub prerequisites: Vec<ParentJson>,
    pub event_count: u64,
    pub created_ms: u64,
    pub ops: BTreeMap<String, u64>,
    pub authors: BTreeMap<String, u64>,
    pub digest: Option<String>,
    pub signed_by: Option<String>,
    pub problems: Vec<String>,
    /// `verify` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_cleanly: Option<bool>,
    /// `verify` only: cited events neither the bundle nor the store holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<String>>,
}

/// `diff`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffJson {
    /// `equal`, `behind`, `ahead`, `diverged` or `forked`.
    pub verdict: String,
    pub here: SideJson,
    pub there: ThereJson,
    /// Present only when the peer's view is known (`there.view_known`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members_only_here: Option<Vec<MemberJson>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members_only_there: Option<Vec<MemberJson>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<RoleDiffJson>>,
    /// Present (possibly null) only when the peer's view is known.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "present_or_null"
    )]
    pub title: Option<Option<HereThereJson>>,
    pub events_only_here: IdsJson,
    pub events_only_there: IdsJson,
    pub frontier: Vec<String>,
    pub forks: Vec<[String; 2]>,
    pub visited: u64,
}

/// A field that is absent, `null`, or a value: `Option<Option<T>>` on the wire.
mod present_or_null {
    use serde::Deserialize;
    use serde::Deserializer;
    use serde::Serialize;
    use serde::Serializer;

    pub fn serialize<S: Serializer, T: Serialize>(
        value: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SideJson {
    pub view_hash: String,
    pub heads: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThereJson {
    pub view_hash: Option<String>,
    pub heads: Vec<String>,
    pub view_known: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleDiffJson {
    pub key: String,
    pub here: String,
    pub there: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HereThereJson {
    pub here: String,
    pub there: String,
}

/// A count of ids and the first few.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdsJson {
    pub count: u64,
    pub first: Vec<String>,
}

impl IdsJson {
    /// At most this many ids are listed.
    pub const FIRST: usize = 10;

    pub fn new(ids: &[EventId]) -> IdsJson {
        IdsJson {
            count: ids.len() as u64,
            first: hexes(&ids[..ids.len().min(Self::FIRST)]),
        }
    }
}

/// `audit` (`docs/audit.md#reports`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditJson {
    pub format: u32,
    pub targets: Vec<AuditTargetJson>,
    pub checked: AuditCheckedJson,
    pub counts: AuditCountsJson,
    pub findings: Vec<FindingJson>,
}

/// What was audited: a store (optionally one group of it) or a bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AuditTargetJson {
    Bundle {
        bundle: String,
    },
    Store {
        store: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditCheckedJson {
    pub events: u64,
    pub groups: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditCountsJson {
    pub error: u64,
    pub warn: u64,
    pub info: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingJson {
    pub check: String,
    pub severity: String,
    pub group: Option<String>,
    pub events: Vec<String>,
    pub message: String,
    pub proof: Option<String>,
}

/// `verify-proof FILE`, and each item of `verify-proof DIR`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofJson {
    pub file: String,
    pub valid: bool,
    /// `fork`, `view`, `verdict`, `view-mismatch` or `quarantine`; null when
    /// the file is not a proof.
    pub kind: Option<String>,
    /// The claim in one line when valid; why it does not hold otherwise.
    pub claim: String,
    pub group: Option<String>,
    /// The key the claim is about (what `--key` pins).
    pub author: Option<String>,
    /// The events the claim is about, the judged one first.
    pub events: Vec<String>,
    /// How many signed records the proof holds.
    pub records: usize,
    /// Fork: the seq both events hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// View: the member asked about; `role` is null when not a member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<ProofMemberJson>,
    /// View: the members the author saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<ProofMemberJson>>,
    /// Verdict: `unauthorized` or `revoked`, with `reason` or `revoked_by`
    /// as `why --json` gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_by: Option<String>,
    /// View mismatch: the view the event signs, and the one its past gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_says: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_gives: Option<String>,
    /// Quarantine: the reason gmm recorded when it refused the bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_reason: Option<String>,
}

/// A member inside a view proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofMemberJson {
    pub key: String,
    pub role: Option<String>,
    /// Its linked device keys, as the view hash covers them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<String>,
}

/// `verify-proof DIR`: every proof of an evidence folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceCheckJson {
    pub dir: String,
    pub held: u64,
    pub failed: u64,
    pub items: Vec<ProofJson>,
}

/// `index.json` of an evidence folder (`gmm audit --evidence DIR`,
/// `docs/proof-format.md`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceIndexJson {
    pub format: u32,
    pub created_ms: u64,
    pub targets: Vec<AuditTargetJson>,
    pub items: Vec<EvidenceItemJson>,
}

/// One proof of an evidence folder, with the finding it proves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceItemJson {
    /// The proof's file name, relative to the folder.
    pub file: String,
    pub kind: String,
    pub check: String,
    pub severity: String,
    pub group: Option<String>,
    pub events: Vec<String>,
    pub message: String,
}

/// `pending list` (one per group) and `pending drop` (what was dropped).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingGroupJson {
    pub group: String,
    /// Whether this store holds the group (its Create).
    pub known: bool,
    pub title: String,
    pub pending: u64,
}

/// `device list`: one linked device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceJson {
    pub group: String,
    pub member: String,
    pub member_name: String,
    pub device: String,
    pub name: String,
}

/// `prove`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProveJson {
    /// Where the proof was written (`-`: standard output).
    pub file: String,
    pub kind: String,
    pub group: String,
    pub events: Vec<String>,
    pub records: usize,
}

/// `init`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitJson {
    pub key: String,
    pub dir: String,
    /// False when the store was already there (`init` is idempotent).
    pub created: bool,
}

/// `id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdJson {
    pub key: String,
    /// The name it goes by locally (`gmm init --name`), if any.
    pub name: Option<String>,
}

/// `key generate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyJson {
    pub key: String,
    pub secret_file: String,
    pub public_file: String,
}

/// An event that would be signed (`--dry-run`): every field but the signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftJson {
    pub id: String,
    pub group: String,
    pub author: String,
    pub seq: u64,
    pub prev: Option<String>,
    pub parents: Vec<ParentJson>,
    pub time_ms: u64,
    pub view: String,
    pub op: OpJson,
}

impl DraftJson {
    pub fn new(id: &EventId, event: &crate::model::event::Event) -> DraftJson {
        DraftJson {
            id: id.to_hex(),
            group: event.group_of(*id).to_hex(),
            author: event.author.to_hex(),
            seq: event.seq,
            prev: event.prev.map(|p| p.to_hex()),
            parents: event.parents.iter().map(ParentJson::from).collect(),
            time_ms: event.time,
            view: event.view.to_hex(),
            op: (&event.op).into(),
        }
    }
}

/// `--dry-run` of a signing command or `batch`: nothing was signed or stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DryRunJson {
    pub dry_run: bool,
    pub events: Vec<DraftJson>,
    pub groups: Vec<GroupChangeJson>,
}

/// `contacts`, one per line: a key this store knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactJson {
    pub key: String,
    /// The name it goes by here: its local name for this store's own key,
    /// else the name a group gave it (empty when none did).
    pub name: String,
    /// True for this store's own identity.
    pub is_self: bool,
    /// The groups that name it.
    pub groups: Vec<ContactGroupJson>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactGroupJson {
    pub group: String,
    pub title: String,
    /// Its name in that group.
    pub name: String,
    /// Its role, when it is a member now.
    pub role: Option<String>,
}

/// `group create`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupCreateJson {
    pub group: String,
    pub title: String,
    pub events: Vec<String>,
    pub view: ViewJson,
}

/// `group list`, one per line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupListJson {
    pub group: String,
    pub title: String,
    pub members: u64,
    pub events: u64,
    pub view_hash: String,
}
