//! The `gmm` binary: parse the command line, call the library, print.
#![forbid(unsafe_code)]

mod cli;

/// mimalloc, not glibc's malloc: under glibc each thread that projected a
/// chunk of an import kept its own arena of freed views, and the import of
/// 100,000 concurrent leaves peaked at about twice its heap. Built as
/// mimalloc 2 (`Cargo.toml`), it returns freed pages within 10 ms
/// (`docs/decisions.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    without_huge_pages();
    cli::main()
}

/// mimalloc asks Linux for transparent huge pages on all its memory
/// (`madvise`), and a huge page is 2 MiB cleared whole the first time any
/// byte of it is touched. A gmm command is short and its memory sparse:
/// without them, the 100,000 concurrent leaves peaked 15 MiB lower, the
/// 100,000-event import 21 MiB lower, and one `gmm add` on the
/// 100,000-member group 11 MiB lower at 0.96 of the time; the imports took
/// the same time (`docs/decisions.md`). The same as `MIMALLOC_ALLOW_THP=0`,
/// which mimalloc reads too early for a program to set.
fn without_huge_pages() {
    // Only the memory above is at stake: a kernel that refuses the call
    // leaves huge pages on, as before.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}
