//! One file per command (a folder for a command with subcommands): its
//! `Args`, with the help text as doc comments, and one `run` function.

pub mod add;
pub mod audit;
pub mod batch;
pub mod bundle;
pub mod completions;
pub mod contacts;
pub mod correct;
pub mod device;
pub mod diff;
pub mod export;
pub mod generate;
pub mod group;
pub mod id;
pub mod import;
pub mod init;
pub mod key;
pub mod leave;
pub mod log;
pub mod members;
pub mod pending;
pub mod prove;
pub mod remove;
pub mod replay;
pub mod role;
pub mod status;
pub mod sync;
pub mod title;
pub mod verify_proof;
pub mod why;
