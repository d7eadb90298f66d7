//! The rules of SPEC §3, as pure logic over events: the member view and the
//! authority rule, the convergent projection, and `why`. No store, no I/O:
//! every function here is testable with events built in memory.

pub mod changed_keys;
pub mod explain;
pub mod links;
pub mod member_tree;
pub mod projection;
pub mod view;
