//! Progress while a deploy waits: one indicatif bar per phase on a terminal, one line per
//! phase otherwise (CI logs), nothing when quiet. Always on stderr: stdout carries reports.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// Bars when stderr is a terminal, lines otherwise.
    Auto,
    Lines,
    Quiet,
}

/// The display for one deploy.
pub struct Progress {
    bars: Option<MultiProgress>,
    lines: bool,
}

/// One phase being waited for.
pub struct PhaseProgress {
    bar: Option<ProgressBar>,
    lines: bool,
    name: String,
    total: usize,
    started: Instant,
}

impl Progress {
    pub fn new(mode: ProgressMode) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        match mode {
            ProgressMode::Auto if terminal => Progress {
                bars: Some(MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
                lines: false,
            },
            ProgressMode::Auto | ProgressMode::Lines => Progress {
                bars: None,
                lines: true,
            },
            ProgressMode::Quiet => Progress {
                bars: None,
                lines: false,
            },
        }
    }

    /// A note between phases (`genesis block already published`).
    pub fn note(&self, text: &str) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.println(format!("fabcheck: {text}"));
            }
            None if self.lines => eprintln!("fabcheck: {text}"),
            None => {}
        }
    }

    /// Starts showing a phase of `total` workloads.
    pub fn phase(&self, name: &str, total: usize) -> PhaseProgress {
        let bar = self.bars.as_ref().map(|bars| {
            let bar = bars.add(ProgressBar::new(total as u64));
            bar.set_style(
                ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} ready {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_prefix(name.to_owned());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        PhaseProgress {
            bar,
            lines: self.lines,
            name: name.to_owned(),
            total,
            started: Instant::now(),
        }
    }
}

impl PhaseProgress {
    pub fn set_ready(&self, ready: usize) {
        if let Some(bar) = &self.bar {
            bar.set_position(ready as u64);
        }
    }

    /// Ends the phase, saying how it went.
    pub fn finish(self, ready: usize) {
        let elapsed = self.started.elapsed().as_secs_f64();
        match self.bar {
            Some(bar) => {
                bar.set_position(ready as u64);
                bar.finish();
            }
            None if self.lines => eprintln!(
                "fabcheck: {}: {ready}/{} ready after {elapsed:.1} s",
                self.name, self.total
            ),
            None => {}
        }
    }
}
