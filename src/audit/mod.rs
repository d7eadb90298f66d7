//! Forensic audit (SPEC §7 `audit`): integrity findings with stable check ids
//! and severities, over a store ([`store::audit_store`]) or bundles
//! ([`bundle::audit_bundle`]), and fork proofs ([`proof`]). The checks are
//! documented in `docs/audit.md`; their ids never change meaning.

pub mod bundle;
mod checks;
pub mod evidence;
pub mod proof;
pub mod store;

use std::collections::BTreeMap;
use std::collections::HashMap;

use serde::Serialize;

use crate::model::event::EventId;
use crate::model::event::GroupId;
use crate::model::event::PublicKey;
use crate::model::signed::SignedEvent;

/// How serious a finding is. `audit` exits 1 when any finding is an error.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warn,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warn" | "warning" => Some(Severity::Warn),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

macro_rules! checks {
    ($($variant:ident => $id:literal, $severity:ident, $doc:literal;)*) => {
        /// A kind of finding, named by its stable id.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        pub enum Check {
            $(#[doc = $doc] $variant,)*
        }

        impl Check {
            pub const ALL: &'static [Check] = &[$(Check::$variant,)*];

            /// The stable id, as in `docs/audit.md` and `--severity`.
            pub fn id(self) -> &'static str {
                match self {
                    $(Check::$variant => $id,)*
                }
            }

            pub fn default_severity(self) -> Severity {
                match self {
                    $(Check::$variant => Severity::$severity,)*
                }
            }

            pub fn describe(self) -> &'static str {
                match self {
                    $(Check::$variant => $doc,)*
                }
            }

            pub fn parse(id: &str) -> Option<Check> {
                Check::ALL.iter().copied().find(|c| c.id() == id)
            }
        }
    };
}

checks! {
    Malformed => "malformed", Error, "bytes that do not decode as a canonical event, or break a size limit";
    BadId => "bad-id", Error, "a stored event whose bytes do not hash to the id it is stored under";
    BadSignature => "bad-signature", Error, "a signature that does not verify (verify_strict) for the author's key";
    BadLink => "bad-link", Error, "a parent or prev that is not the event it claims to be (author, seq, group)";
    SeqGap => "seq-gap", Error, "an author's chain in a group skips a seq number";
    MissingParent => "missing-parent", Error, "an event cites a parent or prev that is not held";
    BadParentHash => "bad-parent-hash", Error, "a parent cited as (author, seq, id) while another event is held at that author and seq";
    Equivocation => "equivocation", Error, "two valid events with the same group, author and seq (a fork)";
    Unauthorized => "unauthorized", Warn, "an event whose author lacked the role in its past (rule 2)";
    Revoked => "revoked", Info, "an event revoked by a concurrent removal or demotion of its author (rule 5)";
    ViewHashMismatch => "view-hash-mismatch", Warn, "an event's view field differs from what the rules give for its past";
    ClockSkew => "clock-skew", Warn, "time going backwards along an author's chain, or far in the future";
    Quarantined => "quarantined", Warn, "refused bytes kept in the store's quarantine as evidence";
    LogChainBroken => "log-chain-broken", Error, "the store's local log hash chain does not verify, or names an event the store lacks";
    ProjectionMismatch => "projection-mismatch", Error, "the stored projection differs from a replay of the log";
    BundleFormat => "bundle-format", Error, "a bundle whose framing is broken: bad magic, version, lengths or truncation";
    BundleDigest => "bundle-digest", Error, "a bundle whose trailer digest or sender signature does not verify";
}

/// One finding: what is wrong, where, and with which events.
#[derive(Clone, Debug)]
pub struct Finding {
    pub check: Check,
    pub severity: Severity,
    pub group: Option<GroupId>,
    pub events: Vec<EventId>,
    pub message: String,
    /// What the finding carries for its proof, beyond its events' ids.
    pub evidence: Option<Evidence>,
}

/// Material a finding's proof needs that the store may not hold by id.
#[derive(Clone, Debug)]
pub enum Evidence {
    /// An equivocation: the two signed events.
    Fork(Box<SignedEvent>, Box<SignedEvent>),
    /// A quarantined record: its bytes and the reason recorded.
    Refused { raw: Vec<u8>, reason: String },
}

/// The findings of one audit and what was checked.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub events_checked: u64,
    pub groups_checked: u64,
}

/// Per-check severity overrides (`--severity CHECK=LEVEL`); `None` ignores
/// the check.
pub type Overrides = HashMap<Check, Option<Severity>>;

impl Report {
    pub fn add(
        &mut self,
        check: Check,
        group: Option<GroupId>,
        events: Vec<EventId>,
        message: String,
    ) {
        self.findings.push(Finding {
            check,
            severity: check.default_severity(),
            group,
            events,
            message,
            evidence: None,
        });
    }

    /// Applies overrides, then sorts: most severe first, then by check id.
    pub fn finish(&mut self, overrides: &Overrides) {
        self.findings.retain_mut(|f| match overrides.get(&f.check) {
            Some(Some(severity)) => {
                f.severity = *severity;
                true
            }
            Some(None) => false,
            None => true,
        });
        self.findings.sort_by(|a, b| {
            (b.severity, a.check.id(), &a.events).cmp(&(a.severity, b.check.id(), &b.events))
        });
    }

    pub fn counts(&self) -> BTreeMap<Severity, u64> {
        let mut counts = BTreeMap::new();
        for f in &self.findings {
            *counts.entry(f.severity).or_default() += 1;
        }
        counts
    }

    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    pub fn merge(&mut self, other: Report) {
        self.findings.extend(other.findings);
        self.events_checked += other.events_checked;
        self.groups_checked += other.groups_checked;
    }
}

/// A short label for an author in messages.
pub(crate) fn who(key: &PublicKey) -> String {
    key.short()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/audit.md lists every check with its default severity.
    #[test]
    fn documented_checks_match_the_code() {
        let doc = std::fs::read_to_string(crate::model::repo_file("docs/audit.md")).unwrap();
        for check in Check::ALL {
            let row = format!(
                "| `{}` | {} |",
                check.id(),
                check.default_severity().as_str()
            );
            assert!(
                doc.contains(&row),
                "docs/audit.md lacks the row for {}",
                check.id()
            );
            assert_eq!(Check::parse(check.id()), Some(*check));
        }
    }
}
