//! Reading a 111-page plan (the seed plan's text ten times over) from Word 97 and from PDF,
//! as LibreOffice writes them (benches/data, made with `soffice --headless --convert-to`):
//! the text alone, then the whole plan read (`read_plan_document` and the parser).
//! Run with `cargo bench --bench readers` (release build); prints medians and peak memory.
#![expect(clippy::unwrap_used)]

use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Peak resident memory of this process so far (Linux), in MB.
fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn time<T>(runs: usize, mut job: impl FnMut() -> T) -> (Duration, T) {
    let mut samples = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        last = Some(job());
        samples.push(started.elapsed());
    }
    (median(samples), last.unwrap())
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = taizhang::store::Ledger::open(&dir.path().join("bench.sqlite")).unwrap();
    let known = taizhang::plan_text::DepartmentNames::new(&ledger.departments().unwrap());
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data");
    for name in ["plan-111-pages.doc", "plan-111-pages.pdf"] {
        let bytes = std::fs::read(data.join(name)).unwrap();
        let (text_time, text) = time(5, || taizhang::plan_text::decode_file(&bytes).unwrap());
        let (plan_time, tasks) = time(5, || {
            let document = taizhang::service::read_plan_document(&bytes).unwrap();
            taizhang::plan_text::parse_plan_document(&document.text, &document.tables, &known)
                .unwrap()
                .tasks()
                .count()
        });
        println!(
            "{name}: {} KB, text {:.1} ms ({} characters), text and parse {:.1} ms ({tasks} tasks)",
            bytes.len() / 1024,
            text_time.as_secs_f64() * 1000.0,
            text.chars().count(),
            plan_time.as_secs_f64() * 1000.0,
        );
    }
    if let Some(peak) = peak_memory_mb() {
        println!("peak memory after the plans: {peak:.0} MB");
    }

    // A hostile input, refused by the release command in a process of its own (GNU time gives
    // its peak memory): a PDF whose one page inflates to 256 MB of spaces.
    let bomb = dir.path().join("bomb.pdf");
    {
        use lopdf::{Dictionary, Document, Stream, dictionary};
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let mut stream = Stream::new(Dictionary::new(), vec![b' '; 256 * 1024 * 1024]);
        stream.compress().unwrap();
        let content_id = doc.add_object(stream);
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        });
        doc.objects.insert(
            pages_id,
            lopdf::Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 },
            ),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        std::fs::write(&bomb, bytes).unwrap();
    }
    let binary = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/taizhang");
    if binary.exists() && std::path::Path::new("/usr/bin/time").exists() {
        let output = std::process::Command::new("/usr/bin/time")
            .args(["-f", "%M KB %e s"])
            .arg(&binary)
            .arg("--db")
            .arg(dir.path().join("bench.sqlite"))
            .arg("import-plan")
            .arg(&bomb)
            .arg("--dry-run")
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&output.stderr);
        println!(
            "PDF inflating to 256 MB ({} KB), refused by the release command: {}",
            std::fs::metadata(&bomb).unwrap().len() / 1024,
            said.trim().replace('\n', " | ")
        );
    } else {
        println!("(build the release binary and install GNU time to measure the refusal)");
    }
}
