//! The `gmm` binary: parse the command line, call the library, print.
#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
