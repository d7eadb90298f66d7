//! The values gmm stores (schema 2, `docs/store.md`), each declared for what
//! it is on disk and converted explicitly from and to the domain types, as
//! jj's op store converts views to its declared schema.
//!
//! Why separate types: the domain types (`View`, `Frontier`, `Verdict`…) grow
//! with the rules. Were they encoded directly, adding a field to `View` would
//! silently change schema 2's bytes. Here every conversion destructures its
//! domain type exhaustively, so a new domain field does not compile until
//! someone decides whether it is stored (and bumps the schema); and every
//! record's encoding is pinned by golden vectors (`fixtures/golden-store.txt`).
//!
//! Records embed only values whose encoding is already a contract of the
//! event format: ids, keys, `Role`, `Op` and `ParentRef`.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde::Serialize;

use super::log::LogHead;
use super::view_rows;
use super::view_rows::ViewHeadRecord;
use super::view_rows::ViewRecord;
use super::EventMeta;
use super::GroupState;
use super::PendingEvent;
use crate::model::codec::Contract;
use crate::model::event::EventError;
use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::ParentRef;
use crate::model::event::PublicKey;
use crate::model::signed::SignedEvent;
use crate::rules::links::Ancestry;
use crate::rules::projection::Checkpoint;
use crate::rules::projection::Frontier;
use crate::rules::projection::OrderedEvent;
use crate::rules::projection::Verdict;
use crate::rules::view::View;

/// `status` value: what the store knows about an accepted event.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct EventMetaRecord {
    pub group: GroupId,
    pub lamport: u64,
    pub log_index: u64,
    pub verdict: VerdictRecord,
    /// `Ancestry`: the root of its single-parent run, its jump pointer, and
    /// its one parent (itself for a root).
    pub root: EventId,
    pub jump: EventId,
    pub parent: EventId,
}

impl Contract for EventMetaRecord {
    const NAME: &'static str = "status record";
}

/// A verdict on disk: 0 effective, 1 unauthorized (reason), 2 revoked (by).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum VerdictRecord {
    Effective,
    Unauthorized(String),
    Revoked(EventId),
}

impl From<&Verdict> for VerdictRecord {
    fn from(verdict: &Verdict) -> Self {
        match verdict {
            Verdict::Effective => VerdictRecord::Effective,
            Verdict::Unauthorized(why) => VerdictRecord::Unauthorized(why.clone()),
            Verdict::Revoked { by } => VerdictRecord::Revoked(*by),
        }
    }
}

impl From<VerdictRecord> for Verdict {
    fn from(record: VerdictRecord) -> Self {
        match record {
            VerdictRecord::Effective => Verdict::Effective,
            VerdictRecord::Unauthorized(why) => Verdict::Unauthorized(why),
            VerdictRecord::Revoked(by) => Verdict::Revoked { by },
        }
    }
}

impl From<&EventMeta> for EventMetaRecord {
    fn from(meta: &EventMeta) -> Self {
        let EventMeta {
            group,
            lamport,
            log_index,
            verdict,
            ancestry,
        } = meta;
        EventMetaRecord {
            group: *group,
            lamport: *lamport,
            log_index: *log_index,
            verdict: verdict.into(),
            root: ancestry.root,
            jump: ancestry.jump,
            parent: ancestry.parent,
        }
    }
}

impl From<EventMetaRecord> for EventMeta {
    fn from(record: EventMetaRecord) -> Self {
        EventMeta {
            group: record.group,
            lamport: record.lamport,
            log_index: record.log_index,
            verdict: record.verdict.into(),
            ancestry: Ancestry {
                root: record.root,
                jump: record.jump,
                parent: record.parent,
            },
        }
    }
}

/// `projection` value: a group's persisted projection, without its views'
/// rows (they are in `view_rows`, written only where they changed).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct GroupStateRecord {
    pub cut: Option<(EventId, u64)>,
    /// The head of the view after everything (its rows: slot 0).
    pub view: ViewHeadRecord,
    /// The head of the view right after the cut (its rows: slot 1), or
    /// `None` when that view is the current one (`Frontier::base`): a chain
    /// group stores its rows once.
    pub base: Option<ViewHeadRecord>,
    pub forked: Vec<PublicKey>,
    pub last_checkpoint: Option<u64>,
    pub event_count: u64,
    pub head_count: u64,
    /// Whether `member_pages` lists the view (schema 10).
    pub members_listed: bool,
}

impl Contract for GroupStateRecord {
    const NAME: &'static str = "projection record";
}

impl GroupStateRecord {
    /// The record of `state` (its views' rows are written apart).
    pub fn new(state: &GroupState) -> Self {
        let GroupState {
            frontier,
            event_count,
            head_count,
            members_listed,
        } = state;
        let Frontier {
            cut,
            base,
            // Not stored here: the open region's non-inert events are keys
            // in the `region` family (`Store::open_region`).
            region: _,
            view,
            forked,
            last_checkpoint,
        } = frontier;
        GroupStateRecord {
            cut: *cut,
            view: view_rows::head_of(view),
            base: base.as_ref().map(view_rows::head_of),
            forked: forked.iter().copied().collect(),
            last_checkpoint: *last_checkpoint,
            event_count: *event_count,
            head_count: *head_count,
            members_listed: *members_listed,
        }
    }

    /// The group's state, given its view and its base (read from their
    /// rows; `None` when the base is the view) and its open region (read
    /// under the `region` family's keys).
    pub fn into_state(
        self,
        view: View,
        base: Option<View>,
        region: Vec<OrderedEvent>,
    ) -> GroupState {
        GroupState {
            frontier: Frontier {
                cut: self.cut,
                base,
                region,
                view,
                forked: self.forked.into_iter().collect::<BTreeSet<_>>(),
                last_checkpoint: self.last_checkpoint,
            },
            event_count: self.event_count,
            head_count: self.head_count,
            members_listed: self.members_listed,
        }
    }
}

/// `checkpoints` value: the view at a cut.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct CheckpointRecord {
    pub cut: EventId,
    pub lamport: u64,
    pub view: ViewRecord,
}

impl Contract for CheckpointRecord {
    const NAME: &'static str = "checkpoint record";
}

impl From<&Checkpoint> for CheckpointRecord {
    fn from(checkpoint: &Checkpoint) -> Self {
        let Checkpoint { cut, lamport, view } = checkpoint;
        CheckpointRecord {
            cut: *cut,
            lamport: *lamport,
            view: view.into(),
        }
    }
}

impl From<CheckpointRecord> for Checkpoint {
    fn from(r: CheckpointRecord) -> Self {
        Checkpoint {
            cut: r.cut,
            lamport: r.lamport,
            view: r.view.into(),
        }
    }
}

/// `heads` value: the head as a parent reference (author, seq, id), and its
/// Lamport number (so loading a group's heads reads no event metadata).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct HeadRecord {
    pub head: ParentRef,
    pub lamport: u64,
}

impl Contract for HeadRecord {
    const NAME: &'static str = "head record";
}

/// `meta/log_head` value: entries in the local log and the last entry's hash.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct LogHeadRecord {
    pub len: u64,
    pub hash: [u8; 32],
}

impl Contract for LogHeadRecord {
    const NAME: &'static str = "log head record";
}

impl From<&LogHead> for LogHeadRecord {
    fn from(head: &LogHead) -> Self {
        let LogHead { len, hash } = head;
        LogHeadRecord {
            len: *len,
            hash: *hash,
        }
    }
}

impl From<LogHeadRecord> for LogHead {
    fn from(r: LogHeadRecord) -> Self {
        LogHead {
            len: r.len,
            hash: r.hash,
        }
    }
}

/// `pending` value: the signed record as received, and the ids it waits for.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PendingRecord {
    pub record: Vec<u8>,
    pub missing: Vec<EventId>,
}

impl Contract for PendingRecord {
    const NAME: &'static str = "pending record";
}

impl PendingRecord {
    pub fn new(event: &SignedEvent, missing: &[EventId]) -> PendingRecord {
        PendingRecord {
            record: event.record(),
            missing: missing.to_vec(),
        }
    }

    /// The pending event, decoded and shape-checked again (it was never accepted).
    pub fn into_pending(self) -> Result<PendingEvent, EventError> {
        Ok(PendingEvent {
            event: SignedEvent::decode_record(&self.record)?,
            missing: self.missing,
        })
    }
}

/// `meta/self_name` value: the name this store's identity goes by locally.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SelfNameRecord(pub String);

impl Contract for SelfNameRecord {
    const NAME: &'static str = "self name record";
}

/// `quarantine` value: why the bytes were refused, and the bytes.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct QuarantineRecord {
    pub reason: String,
    pub raw: Vec<u8>,
}

impl Contract for QuarantineRecord {
    const NAME: &'static str = "quarantine record";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::event::Op;
    use crate::model::event::Role;
    use crate::model::event::ViewHash;
    use crate::rules::view::CycleRemoval;
    use crate::rules::view::Decided;
    use crate::rules::view::Device;
    use crate::rules::view::Member;
    use crate::rules::view::TitleConflict;
    use view_rows::KeyRowRecord;

    fn id(n: u8) -> EventId {
        EventId([n; 32])
    }

    fn key(n: u8) -> PublicKey {
        PublicKey([n; 32])
    }

    /// A view with every field set, so each field shows in the golden bytes.
    fn sample_view() -> View {
        let mut view = View::empty(id(1));
        view.title = "Book club".into();
        view.insert_member(
            key(2),
            Member {
                role: Role::Owner,
                name: "alice".into(),
            },
        );
        view.link_device(
            key(11),
            Device {
                member: key(2),
                name: "phone".into(),
            },
        );
        view.names.insert(key(2), "alice".into());
        view.names.insert(key(3), "bob".into());
        view.decided.insert(
            key(3),
            Decided {
                membership: vec![id(4)],
                role: vec![id(5)],
            },
        );
        view.title_by = vec![id(6)];
        view.title_conflicts = vec![TitleConflict {
            event: id(7),
            title: "Books".into(),
        }];
        view.removal_cycles = vec![vec![CycleRemoval {
            event: id(8),
            target: key(3),
        }]];
        view.forked.insert(key(9));
        view
    }

    fn samples() -> Vec<(&'static str, Vec<u8>)> {
        let view = sample_view();
        let region = OrderedEvent {
            id: id(10),
            lamport: 3,
            author: key(2),
            seq: 2,
            op: Op::Remove { member: key(3) },
            parents: vec![id(6)],
        };
        let state = GroupState {
            frontier: Frontier {
                cut: Some((id(6), 2)),
                base: Some(view.clone()),
                region: vec![region],
                view: view.clone(),
                forked: [key(9)].into_iter().collect(),
                last_checkpoint: Some(0),
            },
            event_count: 11,
            head_count: 2,
            members_listed: true,
        };
        let meta = |verdict| EventMeta {
            group: id(1),
            lamport: 3,
            log_index: 12,
            verdict,
            ancestry: Ancestry {
                root: id(2),
                jump: id(4),
                parent: id(5),
            },
        };
        vec![
            ("group-state", GroupStateRecord::new(&state).to_bytes()),
            ("group-state-chain", {
                let mut chain = state.clone();
                chain.frontier.base = None;
                chain.frontier.region.clear();
                GroupStateRecord::new(&chain).to_bytes()
            }),
            (
                "view-row",
                KeyRowRecord {
                    member: Some((Role::Admin, "alice".into())),
                    device: Some((key(3), "phone".into())),
                    name: Some("alice".into()),
                    decided: Some((vec![id(4)], vec![id(5)])),
                }
                .to_bytes(),
            ),
            (
                "member-page",
                crate::store::member_pages::all_pages(&sample_view())
                    .into_iter()
                    .map(|(_, page)| page)
                    .next()
                    .unwrap_or_default(),
            ),
            (
                "checkpoint",
                CheckpointRecord::from(&Checkpoint {
                    cut: id(6),
                    lamport: 2,
                    view,
                })
                .to_bytes(),
            ),
            (
                "meta-effective",
                EventMetaRecord::from(&meta(Verdict::Effective)).to_bytes(),
            ),
            (
                "meta-unauthorized",
                EventMetaRecord::from(&meta(Verdict::Unauthorized("no".into()))).to_bytes(),
            ),
            (
                "meta-revoked",
                EventMetaRecord::from(&meta(Verdict::Revoked { by: id(13) })).to_bytes(),
            ),
            (
                "head",
                HeadRecord {
                    head: ParentRef {
                        author: key(2),
                        seq: 2,
                        id: id(10),
                    },
                    lamport: 5,
                }
                .to_bytes(),
            ),
            (
                "log-head",
                LogHeadRecord::from(&LogHead {
                    len: 12,
                    hash: [14; 32],
                })
                .to_bytes(),
            ),
            (
                "pending",
                PendingRecord {
                    record: vec![15; 3],
                    missing: vec![id(16)],
                }
                .to_bytes(),
            ),
            ("self-name", SelfNameRecord("alice".into()).to_bytes()),
            (
                "quarantine",
                QuarantineRecord {
                    reason: "malformed: x".into(),
                    raw: vec![17; 2],
                }
                .to_bytes(),
            ),
        ]
    }

    /// The stored bytes of schema 2 are pinned: any change to a record type
    /// or to the conversions (a `View` field change included) fails here
    /// unless the schema is bumped and the vectors regenerated on purpose
    /// (`UPDATE_GENERATED=1 cargo test golden_store`).
    #[test]
    fn golden_store_records_do_not_change() {
        let path = crate::model::repo_file("fixtures/golden-store.txt");
        let mut text = format!(
            "# gmm stored records, schema {}: name, then the value's bytes in hex.\n\
             # Regenerate only for a deliberate schema change: UPDATE_GENERATED=1 cargo test golden_store\n",
            super::super::SCHEMA_VERSION
        );
        for (name, bytes) in samples() {
            text.push_str(&format!("{name} {}\n", hex::encode(bytes)));
        }
        if std::env::var_os("UPDATE_GENERATED").is_some() {
            std::fs::write(&path, &text).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap();
        assert_eq!(committed, text, "the stored record encoding changed");
    }

    /// What is stored reads back as the same domain value.
    #[test]
    fn records_round_trip() {
        let checkpoint = Checkpoint {
            cut: id(6),
            lamport: 2,
            view: sample_view(),
        };
        let bytes = CheckpointRecord::from(&checkpoint).to_bytes();
        let back: Checkpoint = CheckpointRecord::from_bytes(&bytes).unwrap().into();
        assert_eq!(back, checkpoint);
        // A state whose base is its view stores one set of rows and reads
        // back whole.
        let view = sample_view();
        let state = GroupState {
            frontier: Frontier {
                cut: Some((id(6), 2)),
                base: None,
                region: Vec::new(),
                view: view.clone(),
                forked: BTreeSet::new(),
                last_checkpoint: None,
            },
            event_count: 3,
            head_count: 1,
            members_listed: true,
        };
        let record = GroupStateRecord::from_bytes(&GroupStateRecord::new(&state).to_bytes());
        let back = record.unwrap().into_state(view, None, Vec::new());
        assert_eq!(back, state);
        let meta = EventMeta {
            group: id(1),
            lamport: 3,
            log_index: 4,
            verdict: Verdict::Revoked { by: id(5) },
            ancestry: Ancestry::root(id(6)),
        };
        let back: EventMeta = EventMetaRecord::from_bytes(&EventMetaRecord::from(&meta).to_bytes())
            .unwrap()
            .into();
        assert_eq!(back, meta);
        let _ = ViewHash::default();
    }

    /// A damaged value is an error, never a panic, whatever its bytes.
    #[test]
    fn damaged_values_are_errors() {
        for (_, bytes) in samples() {
            for cut in 0..bytes.len() {
                let _ = GroupStateRecord::from_bytes(&bytes[..cut]);
                let _ = EventMetaRecord::from_bytes(&bytes[..cut]);
                let _ = CheckpointRecord::from_bytes(&bytes[..cut]);
            }
            assert!(EventMetaRecord::from_bytes(&[0xff; 7]).is_err());
        }
    }
}
