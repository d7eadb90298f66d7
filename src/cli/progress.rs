//! The one progress bar helper: hidden unless stderr is a terminal and
//! neither `--quiet` nor `--json` is set, and drawn only after a short delay so
//! quick runs never flash.

use std::io::IsTerminal;
use std::time::Duration;
use std::time::Instant;

use indicatif::ProgressBar;
use indicatif::ProgressDrawTarget;
use indicatif::ProgressStyle;

const DELAY: Duration = Duration::from_millis(400);

pub struct Progress {
    bar: ProgressBar,
    allowed: bool,
    shown: bool,
    started: Instant,
}

impl Progress {
    /// A bar counting `what`, out of `total` when known.
    pub fn new(quiet: bool, json: bool, total: Option<u64>, what: &'static str) -> Progress {
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
        let template = match total {
            Some(_) => "{bar:30} {pos}/{len} {msg} ({per_sec}, {eta})",
            None => "{spinner} {pos} {msg} ({per_sec})",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.set_message(what);
        let no_color = std::env::var_os("NO_COLOR").is_some();
        Progress {
            bar,
            allowed: !quiet && !json && std::io::stderr().is_terminal() && !no_color,
            shown: false,
            started: Instant::now(),
        }
    }

    pub fn set(&mut self, position: u64) {
        if self.allowed && !self.shown && self.started.elapsed() >= DELAY {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        self.bar.set_position(position);
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}
