//! Human sentences for events; the JSON contract itself is `gmm::json`.

use gmm::model::event::Event;
use gmm::model::event::Op;
pub use gmm::model::time::rfc3339;
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
    }
}
