//! Human sentences for events; the JSON contract itself is `gmm::json`.

use gmm::model::event::Event;
use gmm::model::event::Op;
use gmm::model::signed::SignedEvent;
pub use gmm::model::time::rfc3339;
use gmm::rules::projection::Verdict;
use gmm::rules::view::View;

/// A short human sentence for an event, naming people as the view knows them.
pub fn describe_op(event: &Event, view: &View) -> String {
    describe(&event.author, &event.op, view)
}

/// A short human sentence for an op by `author`.
pub fn describe(author: &gmm::model::event::PublicKey, op: &Op, view: &View) -> String {
    let who = |key| view.label(key);
    match op {
        Op::Create { title, .. } => format!("create group \"{title}\""),
        Op::Add { member, role, name } => {
            let label = if name.is_empty() {
                member.short()
            } else {
                name.clone()
            };
            format!("add {label} as {role}")
        }
        Op::Remove { member } => format!("remove {}", who(member)),
        Op::Leave => format!("{} leaves", who(author)),
        Op::SetRole { member, role } => format!("set {} to {role}", who(member)),
        Op::SetTitle { title } => format!("set title \"{title}\""),
        Op::LinkDevice { device, name } => {
            let label = if name.is_empty() {
                device.short()
            } else {
                name.clone()
            };
            format!("link device {label}")
        }
        Op::UnlinkDevice { device } => format!("unlink device {}", who(device)),
    }
}

/// A verdict in words, as `why` shows it and `verify-proof` repeats it:
/// `by` is the revoking event when revoked.
pub fn verdict_words(verdict: &Verdict, by: Option<&SignedEvent>, view: &View) -> String {
    match verdict {
        Verdict::Effective => "effective".to_string(),
        Verdict::Unauthorized(reason) => format!("unauthorized: {reason} (rule 2)"),
        Verdict::Revoked { by: id } => {
            let what = by
                .map(|r| {
                    format!(
                        "{} by {}",
                        describe_op(&r.event, view),
                        view.label(&r.event.author)
                    )
                })
                .unwrap_or_default();
            format!(
                "revoked by {} ({what}), concurrent with it (rule 5)",
                id.short()
            )
        }
    }
}

/// One judged event on a line: id, author#seq, what it does, and its verdict.
pub fn judged_line(
    event: &SignedEvent,
    verdict: &Verdict,
    by: Option<&SignedEvent>,
    view: &View,
) -> String {
    format!(
        "{}  {}#{}  {}  [{}]",
        event.id.short(),
        view.label(&event.event.author),
        event.event.seq,
        describe_op(&event.event, view),
        verdict_words(verdict, by, view)
    )
}
