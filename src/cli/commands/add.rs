//! `gmm add`: sign and append an Add.

use clap_complete::engine::ArgValueCompleter;
use gmm::model::event::Op;
use gmm::model::event::Role;
use gmm::repo::resolve;
use gmm::rules::view::View;

use crate::cli::context::append_one;
use crate::cli::context::Contacts;
use crate::cli::context::Context;
use crate::cli::context::DryRunArg;
use crate::cli::context::OpArgs;
use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// Add a member to a group
///
/// MEMBER is a full 64-character key, a .pub file, or the name or key prefix
/// (8+ hex characters) of someone this store already knows from any group.
/// Prints the new event's id.
///
/// Examples:
///   gmm add "Book club" 3f2a9c1b…e7 --name bob
///   gmm add "Book club" ./carol.pub --role admin --name carol
///   gmm add 9c1e2f3a dave
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The group: id, id prefix (8+ hex) or title
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::groups))]
    group: String,
    /// Who to add
    #[arg(add = ArgValueCompleter::new(crate::cli::complete::members))]
    member: String,
    /// The role to grant (`member` or `admin`)
    #[arg(long, default_value = "member", value_parser = parse_grantable)]
    role: Role,
    /// The member's name in this group [default: the name the store knows]
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    dry_run: DryRunArg,
}

/// `member` or `admin`: the roles an Add or a role change may grant.
pub fn parse_grantable(text: &str) -> Result<Role, String> {
    match Role::parse(text) {
        Some(Role::Owner) => {
            Err("owner is never granted; it belongs to the group's creator".into())
        }
        Some(role) => Ok(role),
        None => Err(format!("`{text}` is not a role (member, admin)")),
    }
}

impl OpArgs for Args {
    fn group(&self) -> &str {
        &self.group
    }

    fn dry_run(&self) -> bool {
        self.dry_run.dry_run
    }

    fn op(&self, contacts: &Contacts<'_>, view: &View) -> Result<Op, CommandError> {
        // A key or a key file needs no names; a name or a prefix is looked
        // for in the group, then among every name the store knows.
        let member = match resolve::key_itself(&self.member) {
            Some(key) => key?,
            None => match resolve::member(&self.member, &view.names, &view.title) {
                Ok(member) => member,
                Err(_) => resolve::member(&self.member, contacts.known()?, "this store")?,
            },
        };
        let name = match &self.name {
            Some(name) => name.clone(),
            None => match view.names.get(&member) {
                Some(name) => name.clone(),
                None => contacts.name_of(&member)?.unwrap_or_default(),
            },
        };
        Ok(Op::Add {
            member,
            role: self.role,
            name,
        })
    }
}

pub fn run(ctx: &Context, ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    append_one(ctx, ui, &args)
}
