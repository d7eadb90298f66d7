//! The scale benchmark of SPEC §8: every figure as a ratio against a limit
//! measured in the same run, on this machine.
//!
//! `cargo bench --bench scale` (1,000,000 events; `-- --events 100000` for a
//! quicker run, `-- --keep DIR` to keep the stores). It builds a group of N
//! events (several admins, ~200 members with churn, some concurrent pairs),
//! then measures:
//!
//! 1. import of its bundle vs the machine's 2-thread `verify_strict` rate, and
//!    the import's peak memory (in a child process, from /proc VmHWM);
//! 2. `replay` vs scanning the same events from RocksDB;
//! 3. one `gmm add` on the N-event store vs on a 10-event store, and
//!    `gmm members` vs a bare store open (`gmm id`), as processes;
//! 4. `gmm batch` of 100,000 ops vs the 2-thread signing rate, on the
//!    ~200-member group of the 10,000-event log and on an empty group
//!    receiving 100,000 adds;
//! 5. `diff` and `correct` between two N-event stores that differ by 100
//!    events vs the same between two 10,000-event stores;
//! 6. a group grown to M members (`--members M`, default 100,000): importing
//!    its log per event vs the N-event log per event, one `gmm add` on it vs
//!    on the 10-event store, `gmm members` vs a bare store open;
//! 7. k members leaving at once, each leave citing the same parent (k
//!    mutually concurrent events, k = M/100, M/10 and M; M/100 is printed
//!    only): the import's time per k·log k at M vs at M/10, its peak
//!    memory at M, and `gmm audit` of the store it left vs that import's
//!    time;
//! 8. `gmm audit` of the N-event store vs its replay, and the per-event cost
//!    of import, replay and audit at N vs a log of N/10 built the same way.

#[path = "scale/large.rs"]
mod large;

use std::collections::BTreeSet;
use std::fs;
use std::io::BufReader;
use std::path::Path;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;
use std::time::Instant;

use gmm::exchange;
use gmm::model::event::Event;
use gmm::model::event::EventId;
use gmm::model::event::GroupId;
use gmm::model::event::Op;
use gmm::model::event::ParentRef;
use gmm::model::event::PublicKey;
use gmm::model::event::Role;
use gmm::model::event::EVENT_VERSION;
use gmm::model::keys::SecretKey;
use gmm::model::signed::Draft;
use gmm::peer;
use gmm::repo::append::Appender;
use gmm::repo::identity;
use gmm::rules::projection;
use gmm::rules::projection::OrderedEvent;
use gmm::rules::view::View;
use gmm::store::Store;
use rayon::prelude::*;

const GMM: &str = env!("CARGO_BIN_EXE_gmm");
const MEMBER_POOL: usize = 300;
const ADMINS: usize = 8;

/// The allocator the `gmm` binary ships with, so that what this benchmark
/// measures in its own process is what a user runs (`src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child-import") {
        return child_import(Path::new(&args[2]), Path::new(&args[3]));
    }
    let mut events = 1_000_000usize;
    let mut large_members = 100_000usize;
    let mut keep: Option<PathBuf> = None;
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--events" => {
                events = args[i + 1].parse().expect("--events N");
                i += 1;
            }
            "--members" => {
                large_members = args[i + 1].parse().expect("--members M");
                i += 1;
            }
            "--keep" => {
                keep = Some(PathBuf::from(&args[i + 1]));
                i += 1;
            }
            _ => {} // cargo bench passes --bench
        }
        i += 1;
    }
    let tmp = tempfile::tempdir().expect("a scratch folder");
    let dir = keep.unwrap_or_else(|| tmp.path().to_path_buf());
    fs::create_dir_all(&dir).expect("scratch folder");
    rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build_global()
        .ok();
    println!(
        "gmm scale benchmark: {events} events, a group of {large_members} members, 2 threads, in {}",
        dir.display()
    );
    let mut results = Results::default();

    let verify_rate = verify_rate();
    let sign_rate = sign_rate();
    println!(
        "machine: 2-thread verify_strict {verify_rate:.0}/s, 2-thread signing {sign_rate:.0}/s"
    );

    let big = dir.join("big.gmm");
    let t = Instant::now();
    let group = generate(&big, events, 7);
    println!(
        "generated {events} events in {:.1} s ({} MiB)",
        secs(t.elapsed()),
        fs::metadata(&big).map_or(0, |m| m.len() >> 20)
    );

    // 1. Import.
    let store_a = dir.join("store-a");
    let (import_secs, peak_kib) = import_in_child(&store_a, &big, "bench A");
    let import_rate = events as f64 / import_secs;
    results.add(
        "import rate / 2-thread verify_strict rate",
        import_rate / verify_rate,
        ">= 0.80",
        import_rate / verify_rate >= 0.8,
    );
    results.add(
        "import peak memory (MiB)",
        peak_kib as f64 / 1024.0,
        "< 256",
        peak_kib < 256 * 1024,
    );
    println!(
        "  import: {import_rate:.0} events/s ({import_secs:.1} s), peak {} MiB",
        peak_kib / 1024
    );

    // 2. Replay vs scan.
    let (scan, replay) = scan_and_replay(&store_a, group);
    results.at_most("replay time / scan time", secs(replay), secs(scan), 3.0);
    println!(
        "  scan {:.2} s, replay (scan + rules) {:.2} s",
        secs(scan),
        secs(replay)
    );

    // 8. Growth: audit against replay, and every per-event cost at N
    // against the same at N/10 (before anything else writes to store A).
    growth(
        &dir,
        events,
        Costs {
            import: import_secs,
            replay: secs(replay),
            audit: secs(run_gmm(&store_a, &["--quiet", "audit"])),
        },
        &mut results,
    );

    // 5. Diff and correct, cost following the difference (before anything
    // else writes to store A, so the stores differ by exactly 100 events).
    let store_b = dir.join("store-b");
    import_in_child(&store_b, &big, "bench B");
    let (diff_big, correct_big) = diverge_and_compare(&store_a, &store_b, &group);
    let mid = dir.join("mid.gmm");
    let mid_group = generate(&mid, 10_000, 13);
    let (ma, mb) = (dir.join("mid-a"), dir.join("mid-b"));
    import_in_child(&ma, &mid, "bench A");
    import_in_child(&mb, &mid, "bench B");
    let (diff_mid, correct_mid) = diverge_and_compare(&ma, &mb, &mid_group);
    results.at_most(
        "diff at N / diff at 10,000 (100 events apart)",
        secs(diff_big),
        secs(diff_mid),
        2.0,
    );
    results.at_most(
        "correct at N / correct at 10,000",
        secs(correct_big),
        secs(correct_mid),
        2.0,
    );
    println!(
        "  diff {:.2} ms vs {:.2} ms; correct {:.2} ms vs {:.2} ms",
        ms(diff_big),
        ms(diff_mid),
        ms(correct_big),
        ms(correct_mid)
    );
    // 3. One add and members, as processes.
    let small = dir.join("small.gmm");
    let small_group = generate(&small, 10, 11);
    let store_s = dir.join("store-small");
    import_in_child(&store_s, &small, "bench A");
    let add_big = median_add(&store_a, &group, 15);
    let add_small = median_add(&store_s, &small_group, 15);
    results.at_most(
        "one add at N / one add at 10 events",
        secs(add_big),
        secs(add_small),
        2.0,
    );
    println!(
        "  gmm add: {:.1} ms at {events}, {:.1} ms at 10",
        ms(add_big),
        ms(add_small)
    );
    let (members, open) = members_and_open(&store_a, &group);
    results.at_most(
        "gmm members / store open (gmm id)",
        secs(members),
        secs(open),
        3.0,
    );
    println!(
        "  gmm members {:.1} ms, gmm id {:.1} ms",
        ms(members),
        ms(open)
    );

    // 6 and 7. A large group, then k of its members leaving at once.
    large_group(
        &dir,
        large_members,
        import_secs / events as f64,
        add_small,
        &mut results,
    );

    // 4. Batch of 100,000 ops: on the ~200-member group of the 10,000-event
    // log, and on an empty group receiving 100,000 adds.
    let ops = 100_000;
    let mid_members = member_count(&ma, &mid_group);
    let text = adds_and_removals(&mid_group, ops);
    let (secs_mid, applied) = batch(&ma, &text, ops, &dir);
    let rate_mid = applied as f64 / secs_mid;
    results.add(
        "batch / signing rate: ~200-member group",
        rate_mid / sign_rate,
        ">= 0.80",
        rate_mid / sign_rate >= 0.8,
    );
    println!(
        "  gmm batch on a {mid_members}-member group: {applied} ops in {secs_mid:.1} s ({rate_mid:.0}/s)"
    );
    let store_e = dir.join("store-empty");
    let empty_group = empty_group(&store_e);
    let (secs_empty, applied) = batch(&store_e, &adds(&empty_group, ops), ops, &dir);
    let rate_empty = applied as f64 / secs_empty;
    results.add(
        "batch / signing rate: 100k adds, empty group",
        rate_empty / sign_rate,
        ">= 0.80",
        rate_empty / sign_rate >= 0.8,
    );
    let grown = member_count(&store_e, &empty_group);
    println!(
        "  gmm batch of {applied} adds to an empty group: {secs_empty:.1} s ({rate_empty:.0}/s), {grown} members after"
    );

    results.print();
}

/// Items 6 and 7: a group of `members` members, against the N-event log's
/// per-event import cost and the 10-event store's `add`.
fn large_group(
    dir: &Path,
    members: usize,
    per_event_reference: f64,
    add_small: Duration,
    results: &mut Results,
) {
    let bundle = dir.join("large.gmm");
    let t = Instant::now();
    let mut large = large::generate(&bundle, members);
    println!(
        "generated a group of {members} members in {:.1} s",
        secs(t.elapsed())
    );
    let store = dir.join("store-large");
    let (import_secs, peak_kib) = import_in_child(&store, &bundle, "bench A");
    let per_event = import_secs / (members + 2) as f64;
    results.add(
        "large group: import per event / N-event log's",
        per_event / per_event_reference,
        "<= 1.2",
        per_event <= 1.2 * per_event_reference,
    );
    println!(
        "  import of {members} members: {import_secs:.1} s, peak {} MiB",
        peak_kib / 1024
    );
    // Leaves first, on copies: the add below changes the store.
    let mut wide = Vec::new();
    let mut audit_of_widest = Duration::ZERO;
    // k = M/100 is printed only; the figures compare M/10 with M.
    for k in [members / 100, members / 10, members] {
        let leaves = dir.join(format!("leaves-{k}.gmm"));
        large::leaves(&leaves, &mut large, k);
        let copy = dir.join(format!("store-leaves-{k}"));
        copy_store(&store, &copy);
        let (import_secs, peak) = import_more_in_child(&copy, &leaves);
        println!(
            "  {k} concurrent leaves: {import_secs:.1} s, peak {} MiB",
            peak / 1024
        );
        wide.push((k as f64, import_secs, peak));
        if k == members {
            // The audit checks every event's signed view hash: k events
            // citing one parent once cost a copy of the view each.
            audit_of_widest = run_gmm(&copy, &["--quiet", "audit"]);
            println!(
                "  audit of the {k} leaves' store: {:.1} s",
                secs(audit_of_widest)
            );
        }
        fs::remove_dir_all(&copy).ok();
    }
    let per_klogk = |(k, secs, _): (f64, f64, u64)| secs / (k * k.log2());
    let growth = per_klogk(wide[2]) / per_klogk(wide[1]);
    results.add(
        "k concurrent leaves: time/(k log k), k=M vs M/10",
        growth,
        "<= 1.5",
        growth <= 1.5,
    );
    results.at_most(
        "k concurrent leaves: audit / import, k=M",
        secs(audit_of_widest),
        wide[2].1,
        2.0,
    );
    results.add(
        "k concurrent leaves: peak MiB at k=M",
        wide[2].2 as f64 / 1024.0,
        "< 256",
        wide[2].2 < 256 * 1024,
    );
    let add_large = median_add(&store, &large.group, 15);
    results.at_most(
        "large group: one add / one add at 10 events",
        secs(add_large),
        secs(add_small),
        2.0,
    );
    let (members_cmd, open) = members_and_open(&store, &large.group);
    results.at_most(
        "large group: gmm members / store open",
        secs(members_cmd),
        secs(open),
        3.0,
    );
    println!(
        "  gmm add {:.1} ms, gmm members {:.1} ms, gmm id {:.1} ms",
        ms(add_large),
        ms(members_cmd),
        ms(open)
    );
}

/// Scans a group's events from the store, then scans and replays them
/// (the rules over the streamed log, as `gmm replay` runs them); returns
/// both times. Both stream: holding the million events in memory measured
/// the allocator more than the rules.
fn scan_and_replay(store: &Path, group: GroupId) -> (Duration, Duration) {
    let store = Store::open_read_only(store).expect("store");
    let history = store.history(group);
    let stream = || {
        history.events_from(None).map(|item| {
            let (event, lamport) = item.expect("scan");
            OrderedEvent::new(&event, lamport)
        })
    };
    let t = Instant::now();
    let scanned = stream().map(std::hint::black_box).count();
    let scan = t.elapsed();
    let t = Instant::now();
    let replayed = projection::replay(group, stream());
    let replay = t.elapsed();
    assert_eq!(replayed.verdicts.len(), scanned);
    (scan, replay)
}

/// Seconds an N-event log costs to import, replay and audit.
struct Costs {
    import: f64,
    replay: f64,
    audit: f64,
}

/// Item 8: `gmm audit` against replay at N, and the per-event cost of
/// import, replay and audit at N against a log of N/10 built the same way
/// (no step may grow faster than the log).
fn growth(dir: &Path, events: usize, at_n: Costs, results: &mut Results) {
    results.at_most("audit time / replay time", at_n.audit, at_n.replay, 2.0);
    let small_n = events / 10;
    let bundle = dir.join("tenth.gmm");
    let group = generate(&bundle, small_n, 17);
    let store = dir.join("store-tenth");
    let (import, _) = import_in_child(&store, &bundle, "bench A");
    let (_, replay) = scan_and_replay(&store, group);
    let at_tenth = Costs {
        import,
        replay: secs(replay),
        audit: secs(run_gmm(&store, &["--quiet", "audit"])),
    };
    let per_event = |n: usize, s: f64| s / n as f64;
    for (what, big, small) in [
        ("import", at_n.import, at_tenth.import),
        ("replay", at_n.replay, at_tenth.replay),
        ("audit", at_n.audit, at_tenth.audit),
    ] {
        results.at_most(
            &format!("{what} per event at N / at N/10"),
            per_event(events, big),
            per_event(small_n, small),
            1.2,
        );
        println!("  {what}: {big:.2} s at {events}, {small:.2} s at {small_n}");
    }
}

/// Copies a closed store folder (RocksDB files and identity).
fn copy_store(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-r")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp");
    assert!(status.success(), "copying {}", from.display());
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[derive(Default)]
struct Results(Vec<(String, f64, String, bool)>);

impl Results {
    fn add(&mut self, what: &str, value: f64, target: &str, met: bool) {
        self.0
            .push((what.to_string(), value, target.to_string(), met));
    }

    /// A figure that must stay at most `limit` times its reference.
    fn at_most(&mut self, what: &str, measured: f64, reference: f64, limit: f64) {
        let ratio = measured / reference;
        self.add(what, ratio, &format!("<= {limit}"), ratio <= limit);
    }

    fn print(&self) {
        println!(
            "\n{:<48} {:>10}  {:<8} result",
            "figure", "measured", "target"
        );
        for (what, value, target, met) in &self.0 {
            println!(
                "{what:<48} {value:>10.3}  {target:<8} {}",
                if *met { "met" } else { "MISSED" }
            );
        }
    }
}

/// The machine's 2-thread `verify_strict` rate: ed25519-dalek's own
/// `verify_strict`, the key decoded for every signature as a verifier with
/// no memory of earlier events would (gmm's check keeps decoded keys per
/// thread, which must not speed up the reference it is measured against).
fn verify_rate() -> f64 {
    let key = label_key("rate");
    let public = key.public();
    let messages: Vec<([u8; 32], [u8; 64])> = (0..40_000u32)
        .into_par_iter()
        .map(|i| {
            let m = *blake3::hash(&i.to_le_bytes()).as_bytes();
            (m, key.sign(&m))
        })
        .collect();
    let t = Instant::now();
    let ok = messages
        .par_iter()
        .filter(|(m, s)| {
            let key = ed25519_dalek::VerifyingKey::from_bytes(&public.0).expect("a valid key");
            let signature = ed25519_dalek::Signature::from_bytes(s);
            key.verify_strict(m, &signature).is_ok()
        })
        .count();
    assert_eq!(ok, messages.len());
    messages.len() as f64 / secs(t.elapsed())
}

/// The machine's 2-thread signing rate.
fn sign_rate() -> f64 {
    let key = label_key("rate");
    let messages: Vec<[u8; 32]> = (0..40_000u32)
        .map(|i| *blake3::hash(&i.to_le_bytes()).as_bytes())
        .collect();
    let t = Instant::now();
    let n = messages.par_iter().map(|m| key.sign(m)[0] as usize).count();
    n as f64 / secs(t.elapsed())
}

fn label_key(label: &str) -> SecretKey {
    gmm::crafted::key(label)
}

/// Writes a bundle of a group of `n` events: a creator, admins (among them
/// "bench A" and "bench B", the stores' identities), a pool of members added,
/// removed and re-roled by rotating admins, a title now and then, and every
/// 997th step two concurrent events.
fn generate(path: &Path, n: usize, seed: u64) -> GroupId {
    let owner = label_key("bench owner");
    let mut admins: Vec<SecretKey> = vec![label_key("bench A"), label_key("bench B")];
    admins.extend((2..ADMINS).map(|i| label_key(&format!("bench admin {i}"))));
    let pool: Vec<PublicKey> = (0..MEMBER_POOL)
        .map(|i| label_key(&format!("bench member {i}")).public())
        .collect();
    let mut view = View::empty(GroupId::default());
    let mut drafts: Vec<(Draft, usize)> = Vec::with_capacity(n);
    let mut seqs = vec![0u64; ADMINS + 1];
    let mut lasts: Vec<Option<EventId>> = vec![None; ADMINS + 1];
    let signer_of = |i: usize| if i == ADMINS { &owner } else { &admins[i] };
    let create = Op::Create {
        title: "bench".into(),
        nonce: seed.to_le_bytes().repeat(2).try_into().unwrap_or([0; 16]),
    };
    view.apply(EventId::default(), &owner.public(), &create);
    let create_draft = Draft::new(Event {
        version: EVENT_VERSION,
        group: GroupId::default(),
        author: owner.public(),
        seq: 1,
        prev: None,
        parents: Vec::new(),
        time: 1_700_000_000_000,
        view: view.hash(),
        op: create,
    })
    .expect("create");
    let group = create_draft.id;
    view.group = group;
    seqs[ADMINS] = 1;
    lasts[ADMINS] = Some(create_draft.id);
    let mut heads: Vec<ParentRef> = vec![create_draft.as_parent()];
    drafts.push((create_draft, ADMINS));
    let mut rng = seed | 1;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut step = 0usize;
    while drafts.len() < n {
        step += 1;
        // First the admins, by the owner; then rotating admins churn members.
        let (author, ops): (usize, Vec<Op>) = if step <= ADMINS {
            (
                ADMINS,
                vec![Op::Add {
                    member: admins[step - 1].public(),
                    role: Role::Admin,
                    name: format!("admin{step}"),
                }],
            )
        } else if step % 997 == 0 && drafts.len() + 2 <= n {
            // Two concurrent adds by two admins, of members not in the view.
            let free: Vec<PublicKey> = pool
                .iter()
                .filter(|k| !view.members().contains_key(k))
                .take(2)
                .copied()
                .collect();
            if free.len() < 2 {
                continue;
            }
            let a = (step % ADMINS, (step + 1) % ADMINS);
            let base = view.clone();
            let mut new_heads = Vec::new();
            for (i, (who, member)) in [(a.0, free[0]), (a.1, free[1])].into_iter().enumerate() {
                let op = Op::Add {
                    member,
                    role: Role::Member,
                    name: format!("c{step}-{i}"),
                };
                let mut own = base.clone();
                own.apply(EventId::default(), &signer_of(who).public(), &op);
                let d = draft(
                    &mut seqs,
                    &mut lasts,
                    who,
                    signer_of(who).public(),
                    group,
                    &heads,
                    own.hash(),
                    op.clone(),
                );
                view.apply(EventId::default(), &signer_of(who).public(), &op);
                new_heads.push(d.as_parent());
                drafts.push((d, who));
            }
            new_heads.sort();
            heads = new_heads;
            continue;
        } else {
            let who = step % ADMINS;
            let member = pool[(next() % MEMBER_POOL as u64) as usize];
            let op = match (view.members().get(&member), next() % 10) {
                (_, 0) => Op::SetTitle {
                    title: format!("bench {step}"),
                },
                (None, _) => Op::Add {
                    member,
                    role: Role::Member,
                    name: format!("m{step}"),
                },
                (Some(m), 1..=3) if m.role == Role::Member => Op::SetRole {
                    member,
                    role: Role::Admin,
                },
                (Some(m), 1..=3) if m.role == Role::Admin => Op::SetRole {
                    member,
                    role: Role::Member,
                },
                (Some(_), _) => Op::Remove { member },
            };
            (who, vec![op])
        };
        for op in ops {
            let author_key = signer_of(author).public();
            if view.authorize(&author_key, &op).is_err() {
                continue;
            }
            view.apply(EventId::default(), &author_key, &op);
            let d = draft(
                &mut seqs,
                &mut lasts,
                author,
                author_key,
                group,
                &heads,
                view.hash(),
                op,
            );
            heads = vec![d.as_parent()];
            drafts.push((d, author));
        }
    }
    // Sign in parallel, a chunk at a time, streamed into the bundle.
    let records = drafts.chunks(20_000).flat_map(|chunk| {
        chunk
            .par_iter()
            .map(|(d, who)| d.clone().sign(signer_of(*who)).record())
            .collect::<Vec<_>>()
    });
    large::write_bundle(path, group, heads, view.hash(), drafts.len(), records);
    group
}

#[allow(clippy::too_many_arguments)]
fn draft(
    seqs: &mut [u64],
    lasts: &mut [Option<EventId>],
    who: usize,
    author: PublicKey,
    group: GroupId,
    heads: &[ParentRef],
    view: gmm::model::event::ViewHash,
    op: Op,
) -> Draft {
    seqs[who] += 1;
    let d = Draft::new(Event {
        version: EVENT_VERSION,
        group,
        author,
        seq: seqs[who],
        prev: lasts[who],
        parents: heads.to_vec(),
        time: 1_700_000_000_000 + seqs[who],
        view,
        op,
    })
    .expect("draft");
    lasts[who] = Some(d.id);
    d
}

/// Imports a bundle into a new store in a child process (so its peak memory
/// is its own); returns (seconds, peak KiB).
fn import_in_child(store: &Path, bundle: &Path, identity: &str) -> (f64, u64) {
    identity::init(store, Some(label_key(identity)), None).expect("init");
    import_more_in_child(store, bundle)
}

/// Imports a bundle into an existing store in a child process; returns
/// (seconds, peak KiB).
fn import_more_in_child(store: &Path, bundle: &Path) -> (f64, u64) {
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new(exe)
        .args([
            "--child-import",
            store.to_str().unwrap(),
            bundle.to_str().unwrap(),
        ])
        .output()
        .expect("child import");
    assert!(
        out.status.success(),
        "child import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let seconds: f64 = parts.next().and_then(|s| s.parse().ok()).expect("seconds");
    let peak: u64 = parts.next().and_then(|s| s.parse().ok()).expect("peak");
    (seconds, peak)
}

fn child_import(store: &Path, bundle: &Path) {
    // As the `gmm` binary does (`src/main.rs`): no transparent huge pages.
    #[cfg(target_os = "linux")]
    rustix::thread::disable_transparent_huge_pages(true).ok();
    let store = Store::open(store).expect("store");
    let input = BufReader::with_capacity(1 << 20, fs::File::open(bundle).expect("bundle"));
    let t = Instant::now();
    let outcome = exchange::import(&store, input, false, &mut |_, _| {});
    let elapsed = secs(t.elapsed());
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert!(
        outcome.report.findings.is_empty(),
        "{:?}",
        outcome.report.findings
    );
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    println!("{elapsed} {peak}");
}

fn run_gmm(store: &Path, args: &[&str]) -> Duration {
    let t = Instant::now();
    let out = Command::new(GMM)
        .arg("--dir")
        .arg(store)
        .args(args)
        .output()
        .expect("gmm");
    let elapsed = t.elapsed();
    assert!(
        out.status.success(),
        "gmm {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn median_cmd(store: &Path, args: &[&str], runs: usize) -> Duration {
    median((0..runs).map(|_| run_gmm(store, args)).collect())
}

/// Median times of `gmm members` and of `gmm id` (a bare store open), 15 runs each.
fn members_and_open(store: &Path, group: &GroupId) -> (Duration, Duration) {
    (
        median_cmd(store, &["members", &group.to_hex()], 15),
        median_cmd(store, &["id"], 15),
    )
}

/// Median time of `gmm add` of a fresh key, `runs` times.
fn median_add(store: &Path, group: &GroupId, runs: usize) -> Duration {
    let group = group.to_hex();
    median(
        (0..runs)
            .map(|i| {
                let key = label_key(&format!("bench add {i}")).public().to_hex();
                run_gmm(
                    store,
                    &["add", &group, &key, "--name", &format!("added{i}")],
                )
            })
            .collect(),
    )
}

/// The fresh keys a batch adds, `n` of them.
fn batch_keys(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| label_key(&format!("bench batch {i}")).public().to_hex())
        .collect()
}

/// `ops` batch ops on `group`: adds of new members, each removed again, so
/// the view keeps its size while every op is a real change.
fn adds_and_removals(group: &GroupId, ops: usize) -> String {
    let group = group.to_hex();
    let mut text = String::new();
    for (i, key) in batch_keys(ops / 2).iter().enumerate() {
        text.push_str(&format!(
            "add {group} {key} --name b{i}\nremove {group} {key}\n"
        ));
    }
    text
}

/// `ops` batch ops on `group`, each adding a new member.
fn adds(group: &GroupId, ops: usize) -> String {
    let group = group.to_hex();
    let mut text = String::new();
    for (i, key) in batch_keys(ops).iter().enumerate() {
        text.push_str(&format!("add {group} {key} --name b{i}\n"));
    }
    text
}

/// A new store whose identity creates one group with no other member.
fn empty_group(store: &Path) -> GroupId {
    identity::init(store, Some(label_key("bench A")), None).expect("init");
    let store = Store::open(store).expect("store");
    let signer = identity::load_signer(&store).expect("signer");
    let mut appender = Appender::new(&store, &signer, false).expect("appender");
    let group = appender
        .create_group("empty", [5; 16], 1_700_000_000_000)
        .expect("create");
    appender.commit().expect("commit");
    group
}

/// A group's member count, as stored.
fn member_count(store: &Path, group: &GroupId) -> usize {
    let store = Store::open_read_only(store).expect("store");
    store.member_count(group).expect("members")
}

/// `gmm batch` of the ops in `text` on a store whose identity may make
/// them; returns (seconds, ops applied).
fn batch(store: &Path, text: &str, ops: usize, dir: &Path) -> (f64, usize) {
    let file = dir.join("batch.txt");
    fs::write(&file, text).expect("batch file");
    let t = Instant::now();
    run_gmm(store, &["--quiet", "batch", file.to_str().unwrap()]);
    (secs(t.elapsed()), ops)
}

/// Each store's identity adds 50 members the other does not see; then diff
/// and correction between them are timed (medians of 9).
fn diverge_and_compare(a: &Path, b: &Path, group: &GroupId) -> (Duration, Duration) {
    for (dir, label) in [(a, "A"), (b, "B")] {
        let store = Store::open(dir).expect("store");
        let signer = identity::load_signer(&store).expect("signer");
        let mut appender = Appender::new(&store, &signer, false).expect("appender");
        let mut added = 0;
        let mut i = 0;
        while added < 50 {
            let member = label_key(&format!("diverge {label} {i}")).public();
            i += 1;
            let op = Op::Add {
                member,
                role: Role::Member,
                name: format!("d{label}{i}"),
            };
            if appender.append(group, op, 1_700_000_000_000).is_ok() {
                added += 1;
            }
        }
        appender.commit().expect("commit");
    }
    let store = Store::open_read_only(a).expect("store");
    let mut diffs = Vec::new();
    let mut corrections = Vec::new();
    for _ in 0..9 {
        let t = Instant::now();
        let their = peer::Peer::Store(Store::open_read_only(b).expect("peer"));
        let diff = peer::diff(&store, group, &their).expect("diff");
        diffs.push(t.elapsed());
        assert_eq!(diff.comparison.ours_only.len(), 50);
        assert_eq!(diff.comparison.theirs_only.len(), 50);
        let t = Instant::now();
        let their = peer::Peer::Store(Store::open_read_only(b).expect("peer"));
        let (header, ids) = peer::correction(&store, group, &their, 0).expect("correction");
        let mut bytes = Vec::new();
        exchange::write_bundle(
            &store,
            &header,
            &ids,
            exchange::Format::Binary,
            None,
            &mut bytes,
            &mut |_, _| {},
        )
        .expect("bundle");
        corrections.push(t.elapsed());
        let distinct: BTreeSet<_> = ids.iter().collect();
        assert_eq!(distinct.len(), 50);
    }
    (median(diffs), median(corrections))
}
