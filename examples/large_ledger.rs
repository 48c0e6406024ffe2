//! Writes the large benchmark ledger: `cargo run --release --example large_ledger -- FILE`.

#[path = "../benches/support/large.rs"]
mod large;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: large_ledger FILE");
        std::process::exit(2);
    };
    let path = std::path::PathBuf::from(path);
    if path.exists() {
        eprintln!("{} exists; choose a new file", path.display());
        std::process::exit(2);
    }
    let started = std::time::Instant::now();
    let year = large::generate(&path);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "wrote {} ({} MB, current plan {year}) in {:?}",
        path.display(),
        size / 1024 / 1024,
        started.elapsed()
    );
}
