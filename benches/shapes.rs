//! Crafted shapes (issue 15.3, 15.4): hostile and extreme logs, each run
//! through the real `gmm` binary, with time and peak memory per process.
//!
//! `cargo bench --bench shapes` (full sizes; `-- --quick` for a run of a few
//! minutes, `-- --keep DIR` to keep the stores, `-- --shape NAME` (repeatable)
//! to run only `stranger`, `round-robin`, `fan` or `linear`). Every figure is a ratio
//! against a reference measured in the same run, or a memory bound, with
//! `met` / `MISSED`:
//!
//! 1. one stranger's event beside a chain of n = 20,000 titles: `audit` vs
//!    `audit` of the same chain without the stranger (≤ 2);
//! 2. a round-robin chain (n = 20,000 events by k = 10,000 authors in turn):
//!    `import` vs import of a one-author chain of the same length (≤ 2);
//! 3. a wide fan of k = 100,000 strangers' events citing the `Create`:
//!    `import`, `audit` and `replay` peak memory (< 256 MiB), and one `add` on
//!    top vs one `add` on a 10-event store (≤ 2);
//! 4. a 1,000,000-event linear chain through `import`, `replay`, `diff`,
//!    `audit` and `log`: each completes, peak memory < 256 MiB (the audit
//!    of its bundle, which holds the events, is printed without a bound);
//! 5. hostile inputs (issue 15.4, `--shape hostile`): each through the
//!    commands it targets, with its exit code (never 101, a panic) and peak
//!    memory (< 256 MiB).

use std::fs;
use std::path::Path;
use std::path::PathBuf;
use std::process::Command;
use std::process::Stdio;
use std::time::Duration;
use std::time::Instant;

use gmm::crafted;
use gmm::crafted::Crafted;

const GMM: &str = env!("CARGO_BIN_EXE_gmm");
const MIB: u64 = 1024;

struct Sizes {
    stranger_chain: usize,
    round_robin: (usize, usize),
    fan: usize,
    linear: usize,
}

/// The allocator the `gmm` binary ships with, so that what this benchmark
/// measures in its own process is what a user runs (`src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--measure") {
        return measure(&args[2], &args[3..]);
    }
    let quick = args.iter().any(|a| a == "--quick");
    let keep = args
        .iter()
        .position(|a| a == "--keep")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let only: Vec<&str> = args
        .windows(2)
        .filter(|w| w[0] == "--shape")
        .map(|w| w[1].as_str())
        .collect();
    let wanted = |name: &str| only.is_empty() || only.contains(&name);
    let sizes = if quick {
        Sizes {
            stranger_chain: 5_000,
            round_robin: (5_000, 2_500),
            fan: 20_000,
            linear: 100_000,
        }
    } else {
        Sizes {
            stranger_chain: 20_000,
            round_robin: (20_000, 10_000),
            fan: 100_000,
            linear: 1_000_000,
        }
    };
    let tmp = tempfile::tempdir().expect("a scratch folder");
    let dir = keep.unwrap_or_else(|| tmp.path().to_path_buf());
    fs::create_dir_all(&dir).expect("scratch folder");
    rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build_global()
        .ok();
    println!("gmm shapes benchmark in {}", dir.display());
    let mut results = Results::default();
    let owner_key = dir.join("owner.key");
    if !owner_key.exists() {
        crafted::owner().save(&owner_key, false).expect("owner key");
    }
    let shapes = Shapes {
        dir: dir.clone(),
        owner_key,
    };

    // 1. A stranger beside a chain: audit vs audit of the chain alone.
    if wanted("stranger") {
        let n = sizes.stranger_chain;
        let with = shapes.store("stranger", &crafted::stranger_beside_chain(n));
        let without = shapes.store("chain", &crafted::linear(n + 1));
        let audit_with = gmm_run(&with, &["audit"], &[0, 1]);
        let audit_without = gmm_run(&without, &["audit"], &[0, 1]);
        results.ratio(
            &format!("audit, stranger beside {n} / chain alone"),
            audit_with.secs() / audit_without.secs(),
            2.0,
        );
        println!(
            "  audit {:.2} s vs {:.2} s, peak {} MiB",
            audit_with.secs(),
            audit_without.secs(),
            audit_with.peak_kib / MIB
        );
    }

    // 2. A round-robin chain: import vs a one-author chain of equal length.
    if wanted("round-robin") {
        let (n, k) = sizes.round_robin;
        let rr = shapes.bundle("round-robin", &crafted::round_robin(n, k));
        let one = shapes.bundle("one-author", &crafted::linear(n));
        let rr_import = shapes.import("round-robin", &rr);
        let one_import = shapes.import("one-author", &one);
        results.ratio(
            &format!("import, round-robin n={n} k={k} / one author"),
            rr_import.secs() / one_import.secs(),
            2.0,
        );
        println!(
            "  import {:.2} s vs {:.2} s, peak {} MiB",
            rr_import.secs(),
            one_import.secs(),
            rr_import.peak_kib / MIB
        );
    }

    // 3. A wide fan: memory of import, audit, replay; one add on top.
    if wanted("fan") {
        let k = sizes.fan;
        let fan = shapes.bundle("fan", &crafted::wide_fan(k));
        let import = shapes.import("fan", &fan);
        results.peak(&format!("import of a {k}-wide fan"), import.peak_kib);
        println!("  import of the fan {:.1} s", import.secs());
        let store = dir.join("store-fan");
        let audit = gmm_run(&store, &["audit"], &[0, 1]);
        results.peak(&format!("audit of a {k}-wide fan"), audit.peak_kib);
        let replay = gmm_run(&store, &["replay", "wide fan"], &[0]);
        results.peak(&format!("replay of a {k}-wide fan"), replay.peak_kib);
        println!(
            "  audit {:.1} s, replay {:.1} s",
            audit.secs(),
            replay.secs()
        );
        let small = shapes.store("small", &crafted::linear(10));
        let add_fan = median_add(&store, "wide fan", 9);
        let add_small = median_add(&small, "linear", 9);
        results.ratio(
            &format!("one add on the {k}-wide fan / on 10 events"),
            add_fan.secs() / add_small.secs(),
            2.0,
        );
        results.peak("one add on the fan", add_fan.peak_kib);
        println!(
            "  add {:.1} ms vs {:.1} ms",
            add_fan.secs() * 1e3,
            add_small.secs() * 1e3
        );
    }

    // 4. A long linear chain through every reading command.
    if wanted("linear") {
        let n = sizes.linear;
        let crafted = crafted::linear(n);
        let chain = shapes.bundle("linear", &crafted);
        let import = shapes.import("linear", &chain);
        results.peak(&format!("import of a {n}-event chain"), import.peak_kib);
        let store = dir.join("store-linear");
        let chain_path = chain.to_str().expect("a UTF-8 path");
        let head = crafted.last_id().expect("a chain has events").to_hex();
        let owner = crafted::owner().public().to_string();
        let mut took = std::collections::BTreeMap::new();
        for args in [
            &["replay", "linear"][..],
            &["diff", "linear", chain_path],
            &["audit"],
            &["log", "linear"],
            &["log", "linear", "--json"],
            &["why", "linear", &owner],
            &["members", "linear", "--at", &head],
        ] {
            let run = gmm_run(&store, args, &[0, 1]);
            let shown = args
                .join(" ")
                .replace(chain_path, "BUNDLE")
                .replace(&owner, "OWNER")
                .replace(&head, "HEAD");
            results.peak(&format!("{shown} of a {n}-event chain"), run.peak_kib);
            println!("  {shown}: {:.1} s", run.secs());
            took.insert(args[0], run.secs());
        }
        results.ratio(
            &format!("audit / replay of the {n}-event chain"),
            took["audit"] / took["replay"],
            2.0,
        );
        println!("  import of the chain {:.1} s", import.secs());
        // A bundle's audit holds the bundle's events (`docs/audit.md`):
        // measured and printed, with no bound to meet.
        let audit_bundle = gmm_run(&store, &["audit", chain_path], &[0, 1]);
        println!(
            "  audit BUNDLE (the chain's bundle, its events held): {:.1} s, peak {} MiB",
            audit_bundle.secs(),
            audit_bundle.peak_kib / MIB
        );
    }

    // 5. Hostile inputs: exit codes and peak memory.
    if wanted("hostile") {
        hostile(&shapes, &mut results);
    }

    results.print();
}

/// Each hostile input through the commands it targets (issue 15.4).
fn hostile(shapes: &Shapes, results: &mut Results) {
    let any: Vec<i32> = (0..=255).collect();
    // The checkout Cargo runs this in (a binary built in another clone that
    // shares the target folder names that clone at compile time).
    let checkout = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let regressions = checkout.join("fuzz/regressions/bundle_binary");
    let mut cases: Vec<(String, PathBuf)> = Vec::new();
    for name in [
        "hand-claims-1e9-events",
        "hand-header-length-0",
        "hand-header-length-ffffffff",
        "hand-record-length-0",
        "hand-record-length-64",
        "hand-record-length-ffffffff",
    ] {
        cases.push((name.to_string(), regressions.join(name)));
    }
    for (name, crafted) in [
        ("author field names another key", crafted::forged_author()),
        ("65 parents", crafted::too_many_parents()),
        ("time = u64::MAX", crafted::far_future()),
        ("10,000 pending events", crafted::pending(10_000)),
        ("10,000 concurrent heads", crafted::wide_fan(10_000)),
    ] {
        let file = name.replace([' ', ',', ':', '='], "-");
        cases.push((name.to_string(), shapes.bundle(&file, &crafted)));
    }
    for (i, (name, bundle)) in cases.iter().enumerate() {
        let store = shapes.dir.join(format!("store-hostile-{i}"));
        let _ = fs::remove_dir_all(&store);
        let key = shapes.owner_key.to_str().expect("a UTF-8 path");
        gmm_run(&store, &["init", "--identity", key], &[0]);
        let bundle = bundle.to_str().expect("a UTF-8 path");
        let mut runs = vec![(
            "import".to_string(),
            gmm_run_code(&store, &["import", bundle], &any),
        )];
        let follow_ups: &[&[&str]] = match name.as_str() {
            "time = u64::MAX" => &[
                &["log", "far future"],
                &["log", "far future", "--json"],
                &["log", "far future", "--graph"],
                &[
                    "export",
                    "far future",
                    "--format",
                    "jsonl",
                    "-o",
                    "/dev/null",
                ],
            ],
            "10,000 pending events" => &[&["pending", "list"], &["status", "pending"]],
            "10,000 concurrent heads" => &[&["add", "wide fan", "--name", "late", &*LATE]],
            _ => &[],
        };
        for args in follow_ups {
            let shown: Vec<&str> = args.iter().copied().filter(|a| *a != &**LATE).collect();
            runs.push((shown.join(" "), gmm_run_code(&store, args, &any)));
        }
        runs.push(("audit".to_string(), gmm_run_code(&store, &["audit"], &any)));
        for (command, (run, code)) in runs {
            let label = format!("hostile: {name}, {command}: exit {code}, peak MiB");
            results.0.push((
                label,
                format!("{}", run.peak_kib / MIB),
                "no panic, < 256".to_string(),
                code != 101 && run.peak_kib < 256 * MIB,
            ));
        }
    }
}

/// A fresh key for the `add` on the 10,000-wide fan.
static LATE: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crafted::key("late member").public().to_string());

/// Writes crafted bundles and imports them into stores whose identity is
/// the crafted groups' owner.
struct Shapes {
    dir: PathBuf,
    owner_key: PathBuf,
}

impl Shapes {
    fn bundle(&self, name: &str, crafted: &Crafted) -> PathBuf {
        let path = self.dir.join(format!("{name}.gmm"));
        let t = Instant::now();
        let file = std::io::BufWriter::new(fs::File::create(&path).expect("bundle"));
        crafted.write_bundle(file).expect("write bundle");
        println!(
            "{name}: {} events written in {:.1} s",
            crafted.event_count(),
            t.elapsed().as_secs_f64()
        );
        path
    }

    /// A fresh store, owned by the crafted owner, that imports `bundle`.
    fn import(&self, name: &str, bundle: &Path) -> Run {
        let store = self.dir.join(format!("store-{name}"));
        let _ = fs::remove_dir_all(&store);
        let key = self.owner_key.to_str().expect("a UTF-8 path");
        gmm_run(&store, &["init", "--identity", key], &[0]);
        gmm_run(
            &store,
            &["import", bundle.to_str().expect("a UTF-8 path")],
            &[0],
        )
    }

    fn store(&self, name: &str, crafted: &Crafted) -> PathBuf {
        let bundle = self.bundle(name, crafted);
        self.import(name, &bundle);
        self.dir.join(format!("store-{name}"))
    }
}

/// One finished process: wall time and peak resident memory.
struct Run {
    elapsed: Duration,
    peak_kib: u64,
}

impl Run {
    fn secs(&self) -> f64 {
        self.elapsed.as_secs_f64()
    }
}

/// Runs gmm on `store`, and checks its exit code is one of `codes`. Peak
/// memory is only the child's own when its parent is small: Linux counts the
/// parent's high-water mark into a child that was forked from it and then
/// exec'd. So a small helper (this benchmark run again with `--measure`)
/// starts gmm and reports its time and peak.
fn gmm_run(store: &Path, args: &[&str], codes: &[i32]) -> Run {
    gmm_run_code(store, args, codes).0
}

/// [`gmm_run`], also returning the exit code.
fn gmm_run_code(store: &Path, args: &[&str], codes: &[i32]) -> (Run, i32) {
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new(exe)
        .arg("--measure")
        .arg(store)
        .args(args)
        .output()
        .expect("measuring helper");
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<f64> = text
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let [secs, peak, code] = fields[..] else {
        panic!(
            "measuring gmm {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let code = code as i32;
    assert!(codes.contains(&code), "gmm {args:?} exited {code}");
    let run = Run {
        elapsed: Duration::from_secs_f64(secs),
        peak_kib: peak as u64,
    };
    (run, code)
}

/// The helper: runs `gmm --dir STORE --quiet ARGS`, reaps it with `wait4`,
/// and prints seconds, peak KiB (`ru_maxrss`) and exit code; gmm's stderr
/// passes through.
#[allow(clippy::zombie_processes)]
fn measure(store: &str, args: &[String]) {
    let t = Instant::now();
    let child = Command::new(GMM)
        .arg("--dir")
        .arg(store)
        .arg("--quiet")
        .args(args)
        .stdout(Stdio::null())
        .spawn()
        .expect("gmm");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in; the pid is our own
    // child, reaped here once (its `Child` is never waited on).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = t.elapsed();
    assert_eq!(waited, pid, "wait4");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    println!("{} {} {code}", elapsed.as_secs_f64(), usage.ru_maxrss);
}

/// The median of `runs` `gmm add`s of fresh keys, with the largest peak.
fn median_add(store: &Path, group: &str, runs: usize) -> Run {
    let mut all: Vec<Run> = (0..runs)
        .map(|i| {
            let key = crafted::key(&format!("added {i}")).public().to_string();
            gmm_run(
                store,
                &["add", group, &key, "--name", &format!("added{i}")],
                &[0],
            )
        })
        .collect();
    let peak = all.iter().map(|r| r.peak_kib).max().unwrap_or(0);
    all.sort_by_key(|r| r.elapsed);
    Run {
        elapsed: all[all.len() / 2].elapsed,
        peak_kib: peak,
    }
}

#[derive(Default)]
struct Results(Vec<(String, String, String, bool)>);

impl Results {
    fn ratio(&mut self, name: &str, value: f64, limit: f64) {
        self.0.push((
            name.to_string(),
            format!("{value:.3}"),
            format!("<= {limit}"),
            value <= limit,
        ));
    }

    fn peak(&mut self, name: &str, kib: u64) {
        self.0.push((
            format!("{name}: peak MiB"),
            format!("{}", kib / MIB),
            "< 256".to_string(),
            kib < 256 * MIB,
        ));
    }

    fn print(&self) {
        println!();
        println!("| figure | value | target | |");
        println!("|---|---|---|---|");
        for (name, value, target, met) in &self.0 {
            let word = if *met { "met" } else { "MISSED" };
            println!("| {name} | {value} | {target} | {word} |");
        }
    }
}
