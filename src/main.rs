//! The `gmm` binary: parse the command line, call the library, print.
#![forbid(unsafe_code)]

mod cli;

/// mimalloc, not glibc's malloc: under glibc each thread that projected a
/// chunk of an import kept its own arena of freed views, and the import of
/// 100,000 concurrent leaves peaked at about twice its heap
/// (`docs/decisions.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
