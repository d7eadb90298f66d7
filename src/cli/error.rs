//! The one place that turns library errors into a message, hints and an exit
//! code (SPEC §7). Every exit code gmm uses is defined here.

use std::io::Write;

use super::shown::shown;

use gmm::bundle::BundleError;
use gmm::error::Candidate;
use gmm::model::keys::KeyError;
use gmm::store::StoreError;
use gmm::Error;

pub const EXIT_DIFFERENCES: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_MALFORMED: u8 = 65;
pub const EXIT_MISSING: u8 = 66;
pub const EXIT_IO: u8 = 74;
pub const EXIT_IN_USE: u8 = 75;
pub const EXIT_PERMISSION: u8 = 77;
/// A broken invariant inside gmm (a bug, reported instead of a panic).
pub const EXIT_INTERNAL: u8 = 70;

/// A failed command: what to print and how to exit.
pub struct CommandError {
    pub code: u8,
    pub message: String,
    /// The chain of causes under the message, outermost first.
    pub causes: Vec<String>,
    pub hints: Vec<String>,
}

impl CommandError {
    fn new(code: u8, message: impl Into<String>) -> CommandError {
        CommandError {
            code,
            message: message.into(),
            causes: Vec::new(),
            hints: Vec::new(),
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> CommandError {
        self.hints.push(hint.into());
        self
    }

    /// Bad arguments or flags (exit 2).
    pub fn usage(message: impl Into<String>) -> CommandError {
        CommandError::new(EXIT_USAGE, message)
    }

    /// A named file, folder or store that is not there (exit 66).
    pub fn missing(message: impl Into<String>) -> CommandError {
        CommandError::new(EXIT_MISSING, message)
    }

    /// Input that is not what it claims to be (exit 65).
    pub fn malformed(message: impl Into<String>) -> CommandError {
        CommandError::new(EXIT_MALFORMED, message)
    }

    /// Reading or writing failed (exit 74).
    pub fn io(message: impl Into<String>) -> CommandError {
        CommandError::new(EXIT_IO, message)
    }

    /// A check that found what it looks for does not hold (exit 1), with why.
    pub fn does_not_hold(message: impl Into<String>) -> CommandError {
        CommandError::new(EXIT_DIFFERENCES, message)
    }

    /// A failure already reported (file by file); only its code remains.
    pub fn reported(code: u8) -> CommandError {
        CommandError::new(code, "")
    }

    /// Records the causes of `error` (its `source()` chain) under the message,
    /// leaving out a cause whose words the message already gives.
    pub fn caused_by(mut self, error: &dyn std::error::Error) -> CommandError {
        let mut source = error.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !self.message.contains(&text) {
                self.causes.push(text);
            }
            source = cause.source();
        }
        self
    }

    /// `error: …`, one `Caused by: …` line per cause, then one `hint: …` line
    /// each (nothing for a failure already reported).
    pub fn print(&self, err: &mut dyn Write) {
        if self.message.is_empty() {
            return;
        }
        let _ = writeln!(err, "error: {}", shown(&self.message));
        for cause in &self.causes {
            let _ = writeln!(err, "Caused by: {}", shown(cause));
        }
        for hint in &self.hints {
            let _ = writeln!(err, "hint: {}", shown(hint));
        }
    }
}

/// "did you mean `A`?" (or "`A` or `B`?") when there is anything close.
fn did_you_mean(suggestions: &[String]) -> Option<String> {
    let quoted: Vec<String> = suggestions.iter().map(|s| format!("`{s}`")).collect();
    match quoted.as_slice() {
        [] => None,
        [one] => Some(format!("did you mean {one}?")),
        [init @ .., last] => Some(format!("did you mean {} or {last}?", init.join(", "))),
    }
}

fn candidates_hint(matches: &[Candidate]) -> String {
    let list: Vec<String> = matches
        .iter()
        .map(|c| {
            format!(
                "{} ({})",
                &c.id[..16],
                if c.label.is_empty() { "-" } else { &c.label }
            )
        })
        .collect();
    format!("candidates: {}; give more characters", list.join(", "))
}

impl From<Error> for CommandError {
    fn from(error: Error) -> CommandError {
        let message = error.to_string();
        let e = |code| CommandError::new(code, message.clone()).caused_by(&error);
        match &error {
            Error::Store(store) => match store {
                StoreError::Missing { .. } => e(EXIT_MISSING)
                    .hint("run `gmm init` to create a store, or name one with --dir or GMM_DIR"),
                StoreError::PermissionDenied { .. } => e(EXIT_PERMISSION).hint(
                    "the store belongs to another user, or its folder's mode shuts you out: run gmm as its owner, or fix the permissions (nothing was changed)",
                ),
                StoreError::InUse { .. } => e(EXIT_IN_USE).hint(
                    "wait for the other gmm command to finish; reading commands still work meanwhile",
                ),
                StoreError::SchemaTooNew { found, .. } => e(EXIT_MALFORMED)
                    .hint(format!("use a gmm that reads store schema {found}; nothing was changed")),
                StoreError::SchemaTooOld { found, .. } => e(EXIT_MALFORMED).hint(format!(
                    "with the gmm that wrote it (schema {found}), `gmm export` each group; then `gmm init` a new store and `gmm import` the bundles; nothing was changed"
                )),
                StoreError::Corrupt { .. } => e(EXIT_MALFORMED).hint(
                    "run `gmm audit` to see what is damaged; if the database files themselves are damaged, restore the store folder from a backup, or `gmm init` a new one and import your peers' bundles",
                ),
                StoreError::Io { .. } => e(EXIT_IO).hint("check the disk and the folder's permissions"),
            },
            Error::Key(key) => match key {
                KeyError::Permissions { path, .. } => e(EXIT_PERMISSION).hint(format!(
                    "secret keys must be private: run `chmod 600 {}`",
                    path.display()
                )),
                KeyError::Format { .. } => {
                    e(EXIT_MALFORMED).hint("gmm key files are made by `gmm key generate` or `gmm init`")
                }
                KeyError::Exists { .. } => e(EXIT_USAGE).hint("pass --force to overwrite it"),
                KeyError::Missing { .. } => {
                    e(EXIT_MISSING).hint("check the path; `gmm key generate -o FILE` makes a key")
                }
                KeyError::Io { .. } => e(EXIT_IO).hint("check the folder exists and is writable"),
            },
            Error::Event(_) => e(EXIT_MALFORMED),
            // A closed pipe (`gmm export G -o - | head`) is the reader's
            // choice, not an error: the command ends quietly with success.
            Error::Bundle(BundleError::Io(io)) if io.kind() == std::io::ErrorKind::BrokenPipe => {
                CommandError::new(0, "")
            }
            Error::Bundle(bundle) => match bundle {
                BundleError::Empty => {
                    e(EXIT_MISSING).hint("give a bundle file, or pipe one into `-` (gmm export … | gmm import -)")
                }
                BundleError::Io(_) => e(EXIT_IO).hint("check the file and the disk"),
                BundleError::OtherGroup { .. } => e(EXIT_MALFORMED)
                    .hint("the header was altered or damaged; the events before that record were checked and kept, that record and the rest were not read (`gmm audit FILE` looks without importing)"),
                BundleError::Truncated { .. } | BundleError::RecordTooLarge { .. } | BundleError::RecordTooShort { .. } => e(EXIT_MALFORMED)
                    .hint("the events read before this point were checked and kept; import a complete copy to get the rest (duplicates are skipped)"),
                BundleError::DigestMismatch | BundleError::BadSignature(_) | BundleError::BadTrailer(_) => e(EXIT_MALFORMED)
                    .hint("the bundle was altered or damaged; each event verified on its own, and those that did were kept"),
                _ => e(EXIT_MALFORMED).hint("gmm bundles are made by `gmm export` and `gmm correct`"),
            },
            Error::UnknownGroup { suggestions, .. } => match did_you_mean(suggestions) {
                Some(guess) => e(EXIT_MISSING).hint(guess),
                None => e(EXIT_MISSING).hint("`gmm group list` shows the groups in this store"),
            },
            Error::AmbiguousGroup { matches, .. } | Error::AmbiguousMember { matches, .. } => {
                e(EXIT_USAGE).hint(candidates_hint(matches))
            }
            Error::UnknownMember { suggestions, .. } => match did_you_mean(suggestions) {
                Some(guess) => e(EXIT_MISSING).hint(guess),
                None => e(EXIT_MISSING).hint(
                    "`gmm members GROUP` lists members; a new member is named by its full 64-character key or a .pub file",
                ),
            },
            Error::UnknownEvent { .. } => {
                e(EXIT_MISSING).hint("`gmm log GROUP` lists the group's events")
            }
            Error::AmbiguousEvent { matches, .. } => e(EXIT_USAGE).hint(candidates_hint(matches)),
            Error::NotAnIdOrPrefix { .. } => e(EXIT_USAGE),
            Error::EventNotInGroup { .. } => {
                e(EXIT_USAGE).hint("`gmm log GROUP` lists the group's events")
            }
            Error::Unauthorized(_) => {
                e(EXIT_PERMISSION).hint("ask an admin or the owner of the group; nothing was signed")
            }
            Error::NoChange(_) | Error::BadArgument(_) => e(EXIT_USAGE),
            Error::BlankArgument { .. } => e(EXIT_USAGE)
                .hint("an unset shell variable? quote it and check it is set; nothing was signed"),
            Error::NotSignedBy { .. } => e(EXIT_MALFORMED).hint(
                "nothing from it was imported; ask the sender for a bundle made with `gmm export --sign`, or leave out --from",
            ),
            Error::Unmanageable(_) => e(EXIT_USAGE)
                .hint("nothing was signed; this cannot be undone, so pass --force only if you mean it (`--dry-run` shows the change first)"),
            Error::OtherIdentity { .. } => e(EXIT_USAGE)
                .hint("give another --dir, or leave out --identity to use the store as it is"),
            Error::IdentityMismatch { .. } => e(EXIT_USAGE)
                .hint("the store's identity.key was replaced; restore the original key file"),
            Error::PeerLacksGroup { .. } => e(EXIT_MISSING)
                .hint("export the group from this store and import it there first"),
            Error::BundleForOtherGroup { .. } => e(EXIT_USAGE)
                .hint("`gmm bundle inspect FILE` shows which group a bundle is for"),
            Error::EffectiveEvent { .. } => e(EXIT_DIFFERENCES).hint(
                "a verdict proof shows why an event had no effect; `gmm prove GROUP --at EVENT` shows what its author saw",
            ),
            Error::ViewMismatch { .. } => e(EXIT_DIFFERENCES).hint(
                "that is a view-hash-mismatch finding: `gmm audit GROUP --evidence DIR` writes its proof",
            ),
            Error::Internal(_) => e(EXIT_INTERNAL)
                .hint("this is a bug in gmm; please report it with the command that caused it"),
        }
    }
}

impl From<std::io::Error> for CommandError {
    fn from(error: std::io::Error) -> CommandError {
        // A closed pipe (`gmm log | head`) is the reader's choice, not an
        // error: the command ends quietly with success.
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            return CommandError::new(0, "");
        }
        CommandError::new(EXIT_IO, format!("cannot write output: {error}"))
    }
}

impl From<StoreError> for CommandError {
    fn from(error: StoreError) -> CommandError {
        Error::from(error).into()
    }
}

impl From<KeyError> for CommandError {
    fn from(error: KeyError) -> CommandError {
        Error::from(error).into()
    }
}
