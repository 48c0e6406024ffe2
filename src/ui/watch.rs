//! Another writer's commits (a command run from the command line, a second window refused
//! the ledger but a script not) noticed off the UI thread: a thread looks at the ledger file
//! and its write-ahead log once a second and wakes the window only when either changed. The
//! window then asks SQLite's data version whether the change was someone else's. An idle
//! window draws nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The watching thread, alive as long as this value is.
pub struct Watch {
    _alive: Arc<()>,
}

/// What the file looks like from outside: its length and time of change.
type Stamp = Option<(u64, Option<SystemTime>)>;

fn stamp(path: &Path) -> Stamp {
    std::fs::metadata(path)
        .ok()
        .map(|meta| (meta.len(), meta.modified().ok()))
}

impl Watch {
    /// Starts watching `ledger` (and its `-wal`) for `ctx`'s window.
    pub fn start(ctx: egui::Context, ledger: PathBuf) -> Self {
        let alive = Arc::new(());
        let weak = Arc::downgrade(&alive);
        let wal = PathBuf::from(format!("{}-wal", ledger.display()));
        // Without a thread (the system refused one) changes are seen at the next input.
        let _ = std::thread::Builder::new()
            .name("ledger-watch".to_owned())
            .spawn(move || {
                let mut last = (stamp(&ledger), stamp(&wal));
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                    if weak.upgrade().is_none() {
                        return;
                    }
                    let now = (stamp(&ledger), stamp(&wal));
                    if now != last {
                        last = now;
                        ctx.request_repaint();
                    }
                }
            });
        Self { _alive: alive }
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_window_is_woken_only_when_the_ledger_changes() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("ledger.sqlite");
        std::fs::write(&ledger, b"one").unwrap();
        let ctx = egui::Context::default();
        // The first passes ask for the next ones; then the context is at rest.
        for _ in 0..5 {
            let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
            output.textures_delta.clear();
            if !ctx.has_requested_repaint() {
                break;
            }
        }
        assert!(!ctx.has_requested_repaint());
        let watch = Watch::start(ctx.clone(), ledger.clone());
        std::thread::sleep(Duration::from_millis(2_300));
        assert!(!ctx.has_requested_repaint(), "nothing changed: no repaint");
        std::fs::write(format!("{}-wal", ledger.display()), b"a commit").unwrap();
        std::thread::sleep(Duration::from_millis(1_500));
        assert!(ctx.has_requested_repaint(), "the log changed: woken");
        drop(watch);
    }
}
