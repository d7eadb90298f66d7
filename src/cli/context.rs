//! What every store command needs: where the store is, opening it for reading
//! or writing, naming a group, and appending one signed op.

use gmm::json::DraftJson;
use gmm::json::DryRunJson;
use gmm::json::GroupChangeJson;
use gmm::repo::append::Preview;
use std::path::PathBuf;
use std::time::SystemTime;
use std::time::UNIX_EPOCH;

use gmm::repo::append::Appender;
use std::collections::BTreeMap;

use gmm::model::event::Op;
use gmm::model::event::PublicKey;
use gmm::model::signed::SignedEvent;
use gmm::repo::identity;
use gmm::repo::resolve;
use gmm::rules::view::View;
use gmm::store::Store;

use super::error::CommandError;
use super::json;
use super::ui::Ui;

pub struct Context {
    dir: Option<PathBuf>,
}

impl Context {
    pub fn new(flag: Option<PathBuf>) -> Context {
        let env = std::env::var_os("GMM_DIR").map(PathBuf::from);
        Context {
            dir: gmm::store::paths::store_dir(flag, env),
        }
    }

    /// The store folder, or an error when no home directory is known.
    pub fn dir(&self) -> Result<PathBuf, CommandError> {
        self.dir.clone().ok_or_else(|| {
            CommandError::missing("no store folder: HOME is not set")
                .hint("pass --dir DIR or set GMM_DIR")
        })
    }

    /// Opens the store read-only: never blocks, never writes.
    pub fn read_store(&self) -> Result<Store, CommandError> {
        Ok(Store::open_read_only(&self.dir()?)?)
    }

    /// Opens the store for writing (takes its lock).
    pub fn write_store(&self) -> Result<Store, CommandError> {
        Ok(Store::open(&self.dir()?)?)
    }
}

/// Names a group of the store (`repo::resolve::group`), saying on stderr when
/// it was found by a former title or in another case.
pub fn find_group(
    ui: &mut Ui,
    store: &Store,
    query: &str,
) -> Result<gmm::model::event::GroupId, CommandError> {
    let found = resolve::group(store, query)?;
    if let Some(note) = &found.note {
        ui.status(note);
    }
    Ok(found.id)
}

/// Names a group of the store and loads its current view.
pub fn group_view(
    ui: &mut Ui,
    store: &Store,
    query: &str,
) -> Result<(gmm::model::event::GroupId, gmm::rules::view::View), CommandError> {
    let (group, _, view) = group_record_and_view(ui, store, query)?;
    Ok((group, view))
}

/// Names a group of the store and loads its projection record and current
/// view (the record read once).
pub fn group_record_and_view(
    ui: &mut Ui,
    store: &Store,
    query: &str,
) -> Result<
    (
        gmm::model::event::GroupId,
        gmm::store::records::GroupStateRecord,
        gmm::rules::view::View,
    ),
    CommandError,
> {
    let group = find_group(ui, store, query)?;
    let record = store
        .group_record(&group)?
        .ok_or_else(|| gmm::Error::UnknownGroup {
            query: query.to_string(),
            suggestions: Vec::new(),
        })?;
    let mut view = store.current_view(&group, &record)?;
    name_locally(store, &mut view)?;
    Ok((group, record, view))
}

/// Names this store's identity in `view` for display when the group gave it
/// no name (`gmm init --name`).
pub fn name_locally(store: &Store, view: &mut gmm::rules::view::View) -> Result<(), CommandError> {
    if let Some(name) = store.self_name()? {
        view.name_locally(&store.identity()?, &name);
    }
    Ok(())
}

/// Milliseconds since the Unix epoch, by this machine's clock.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Every key the store knows a name for, read once when first needed: whom
/// `add` may name by name or key prefix. One key's name is read from its
/// own rows instead while few are asked for ([`Contacts::name_of`]).
pub struct Contacts<'s> {
    store: &'s Store,
    known: std::cell::OnceCell<BTreeMap<gmm::model::event::PublicKey, String>>,
    /// Names looked up one key at a time so far.
    looked_up: std::cell::Cell<usize>,
}

/// Names [`Contacts::name_of`] reads key by key (one row per group) before
/// it reads every name at once: a `batch` of many adds without names reads
/// the store's names once, not once per group per op.
const NAMES_READ_BY_KEY: usize = 64;

impl<'s> Contacts<'s> {
    pub fn new(store: &'s Store) -> Contacts<'s> {
        Contacts {
            store,
            known: std::cell::OnceCell::new(),
            looked_up: std::cell::Cell::new(0),
        }
    }

    /// The name the store knows `key` by ([`Contacts::known`]'s), if any,
    /// read from the key's own rows while few have been asked for: `gmm
    /// add GROUP KEY` without `--name` read every group's whole view for it
    /// (beside a group of 100,000 members, 0.22–0.25 s instead of 0.12–0.13
    /// s).
    pub fn name_of(&self, key: &PublicKey) -> Result<Option<String>, CommandError> {
        if self.known.get().is_none() && self.looked_up.get() < NAMES_READ_BY_KEY {
            self.looked_up.set(self.looked_up.get() + 1);
            return Ok(resolve::known_name(self.store, key)?);
        }
        Ok(self.known()?.get(key).cloned())
    }

    pub fn known(&self) -> Result<&BTreeMap<gmm::model::event::PublicKey, String>, CommandError> {
        if let Some(known) = self.known.get() {
            return Ok(known);
        }
        let known = resolve::known_keys(self.store)?;
        Ok(self.known.get_or_init(|| known))
    }
}

/// The arguments of a command that signs one op (`add`, `remove`, `leave`,
/// `role`, `title`): which group, and the op they ask for given the group's
/// view. `batch` reads its lines with the same definitions and dispatches
/// through this trait, so a new op command is one implementation here.
pub trait OpArgs {
    /// The group as named on the command line.
    fn group(&self) -> &str;
    /// `--dry-run`: show what would be signed, sign nothing.
    fn dry_run(&self) -> bool;
    /// `--force`: sign even an op that leaves the group unmanageable.
    fn force(&self) -> bool {
        false
    }
    /// The op these arguments ask for, in a group with this view.
    fn op(
        &self,
        contacts: &Contacts<'_>,
        view: &gmm::rules::view::View,
    ) -> Result<Op, CommandError>;
}

/// `--dry-run` for every signing command.
#[derive(clap::Args, Debug, Default)]
pub struct DryRunArg {
    /// Show the event(s) that would be signed and how the view would change;
    /// sign and store nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// `--force` for the ops that can leave a group unmanageable.
#[derive(clap::Args, Debug, Default)]
pub struct ForceArg {
    /// Sign even if the group is left without its owner, or without anyone
    /// able to add or remove members (this cannot be undone)
    #[arg(long)]
    pub force: bool,
}

/// Prints what a `--dry-run` would have signed: one line per event (its id
/// and a sentence) and each group's view change; JSON: [`DryRunJson`].
pub fn report_preview(ui: &mut Ui, preview: Preview) -> Result<(), CommandError> {
    if ui.json {
        ui.json_line(&DryRunJson {
            dry_run: true,
            events: preview
                .drafts
                .iter()
                .map(|(id, e)| DraftJson::new(id, e))
                .collect(),
            groups: preview
                .groups
                .iter()
                .map(|(_, before, after)| {
                    let before = before.as_ref().map(View::title_and_members);
                    GroupChangeJson::new(before.as_ref(), after)
                })
                .collect(),
        })?;
        return Ok(());
    }
    for (id, event) in &preview.drafts {
        let group = event.group_of(*id);
        let view = preview.groups.iter().find(|(g, _, _)| *g == group);
        let empty = gmm::rules::view::View::empty(group);
        let view = view
            .and_then(|(_, before, _)| before.as_ref())
            .unwrap_or(&empty);
        ui.line(&format!(
            "would sign {}  {}",
            id.to_hex(),
            json::describe_op(event, view)
        ))?;
    }
    for (_, before, after) in &preview.groups {
        let before = before.as_ref().map(View::title_and_members);
        for line in crate::cli::commands::import::changes_lines(before.as_ref(), after) {
            ui.line(&line)?;
        }
    }
    ui.status("nothing was signed or stored (--dry-run)");
    Ok(())
}

/// Signs and appends one op to a group, committing it, then reports the event:
/// its id on stdout (or its JSON), and a sentence as a status line.
pub fn append_one(ctx: &Context, ui: &mut Ui, args: &dyn OpArgs) -> Result<u8, CommandError> {
    let store = ctx.write_store()?;
    let signer = identity::load_signer(&store)?;
    let group = find_group(ui, &store, args.group())?;
    let mut appender = Appender::new(&store, &signer, args.dry_run())?;
    let view = appender.view(&group)?;
    let op = args.op(&Contacts::new(&store), view)?;
    let described = Described::new(&signer.public(), &op, view);
    let id = appender.append_with(&group, op, now_ms(), args.force())?;
    if args.dry_run() {
        report_preview(ui, appender.preview()?)?;
        return Ok(0);
    }
    let committed = appender.commit()?;
    let event = committed.iter().find(|e| e.id == id).ok_or_else(|| {
        CommandError::from(gmm::Error::Internal(
            "a drafted event was not committed".into(),
        ))
    })?;
    report_event(&store, ui, &described, event)
}

/// How a report names a newly signed event's op and author: worded from the
/// view before the op, taken while drafting, so that no copy of the view
/// outlives the draft (copying and freeing a 100,000-member view was about a
/// fifth of one `gmm add`).
pub struct Described {
    sentence: String,
    author_name: String,
}

impl Described {
    pub fn new(author: &PublicKey, op: &Op, view: &View) -> Described {
        Described {
            sentence: json::describe(author, op, view),
            author_name: view.names.get(author).cloned().unwrap_or_default(),
        }
    }
}

/// Prints a newly signed event: the id (or JSON) on stdout, a sentence on stderr.
pub fn report_event(
    store: &Store,
    ui: &mut Ui,
    described: &Described,
    event: &SignedEvent,
) -> Result<u8, CommandError> {
    if ui.json {
        let meta = store.event_meta(&event.id).ok().flatten();
        let name = described.author_name.clone();
        ui.json_line(&gmm::json::EventJson::named(event, meta.as_ref(), name))?;
    } else {
        ui.line(&event.id.to_hex())?;
        ui.status(&format!("signed {}", described.sentence));
    }
    Ok(0)
}
