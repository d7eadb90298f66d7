//! The one progress bar helper: hidden unless stderr is a terminal and
//! neither `--quiet` nor `--json` is set, and drawn only after a short delay so
//! quick runs never flash. It shows the count out of the total (when known),
//! the rate as a whole number per second, and the time left. `NO_COLOR`
//! turns off color only (the bar has none); it never hides progress.

use std::io::IsTerminal;
use std::time::Duration;
use std::time::Instant;

use indicatif::ProgressBar;
use indicatif::ProgressDrawTarget;
use indicatif::ProgressState;
use indicatif::ProgressStyle;
use std::fmt::Write as FmtWrite;

const DELAY: Duration = Duration::from_millis(400);

/// The bar's look: count out of the total (when known), the rate as a whole
/// number per second ("46120/s", not "46120.4367/s"), and the time left.
fn style(with_total: bool) -> Option<ProgressStyle> {
    let template = match with_total {
        true => "{bar:30} {pos}/{len} {msg} ({rate}, ETA {eta})",
        false => "{spinner} {pos} {msg} ({rate})",
    };
    let style = ProgressStyle::with_template(template).ok()?;
    Some(
        style.with_key("rate", |state: &ProgressState, w: &mut dyn FmtWrite| {
            let _ = write!(w, "{:.0}/s", state.per_sec());
        }),
    )
}

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
        if let Some(style) = style(total.is_some()) {
            bar.set_style(style);
        }
        bar.set_message(what);
        Progress {
            bar,
            allowed: !quiet && !json && std::io::stderr().is_terminal(),
            shown: false,
            started: Instant::now(),
        }
    }

    /// Sets the total once it is known (an import learns it from the header).
    pub fn set_total(&mut self, total: u64) {
        if self.bar.length() != Some(total) {
            self.bar.set_length(total);
            if let Some(style) = style(true) {
                self.bar.set_style(style);
            }
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
