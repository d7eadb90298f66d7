//! Output streams: results go to stdout, status to stderr (silenced by
//! `--quiet`), errors always to stderr. Commands never `println!`.

use std::io::IsTerminal;
use std::io::Write;

use serde::Serialize;

use super::shown::shown;

pub struct Ui {
    out: Box<dyn Write>,
    err: Box<dyn Write>,
    pub json: bool,
    pub quiet: bool,
    pub verbose: u8,
}

/// What a pipe on stdout is grown to ([`grow_pipe`]): the most an
/// unprivileged process may ask for by default (`/proc/sys/fs/pipe-max-size`).
#[cfg(target_os = "linux")]
const PIPE_BYTES: usize = 1 << 20;

/// Grows a pipe on stdout from Linux's 64 KiB to [`PIPE_BYTES`]: a large
/// result (`gmm members` of 100,000 members is 3.3 MB) then waits for its
/// reader 4 times instead of 52, each a switch between the two processes:
/// 24.5 ms instead of 32 for that listing into a reading process. Best
/// effort: a file, a full quota or another system leaves it as it is.
fn grow_pipe(stdout: &std::io::Stdout) {
    #[cfg(target_os = "linux")]
    let _ = rustix::pipe::fcntl_setpipe_size(stdout, PIPE_BYTES);
    #[cfg(not(target_os = "linux"))]
    let _ = stdout;
}

impl Ui {
    pub fn new(json: bool, quiet: bool, verbose: u8) -> Ui {
        // Line by line to a terminal; in blocks to a pipe or file, where a
        // write per line made `gmm members` of 100,000 members spend a
        // third of its time in system calls (as ripgrep does).
        let stdout = std::io::stdout();
        let out: Box<dyn Write> = match stdout.is_terminal() {
            true => Box::new(stdout.lock()),
            false => {
                grow_pipe(&stdout);
                Box::new(std::io::BufWriter::with_capacity(64 << 10, stdout.lock()))
            }
        };
        Ui {
            out,
            err: Box::new(std::io::stderr()),
            json,
            quiet,
            verbose,
        }
    }

    /// The result stream.
    pub fn out(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    /// One status line on stderr, unless `--quiet` or `--json`.
    pub fn status(&mut self, line: &str) {
        if !self.quiet && !self.json {
            let _ = writeln!(self.err, "{}", shown(line));
        }
    }

    /// A warning on stderr: shown even with `--json` (it is not a result),
    /// hidden by `--quiet`.
    pub fn warn(&mut self, line: &str) {
        if !self.quiet {
            let _ = writeln!(self.err, "warning: {}", shown(line));
        }
    }

    /// One line of the result stream.
    pub fn line(&mut self, line: &str) -> std::io::Result<()> {
        self.out.write_all(shown(line).as_bytes())?;
        self.out.write_all(b"\n")
    }

    /// One JSON value on one line (a JSON Lines record, or a whole document).
    pub fn json_line<T: Serialize>(&mut self, value: &T) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, value)?;
        writeln!(self.out)
    }

    /// Errors are printed whatever `--quiet` says.
    pub fn error_stream(&mut self) -> &mut dyn Write {
        &mut self.err
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
