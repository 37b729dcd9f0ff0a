//! Writes the test fixture report in every format to a directory, for
//! looking at the outputs or feeding them to other tools:
//! `cargo run -p customs-report --example render_fixture -- OUT_DIR [awkward]`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "report-fixture".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let awkward = std::env::args().nth(2).as_deref() == Some("awkward");
    let report = if awkward {
        common::awkward()
    } else {
        common::fixture()
    };
    for f in customs_report::Format::ALL {
        let ext = match f {
            customs_report::Format::Table => "txt",
            customs_report::Format::Markdown => "md",
            _ => "json",
        };
        let path = dir.join(format!("fixture.{}.{ext}", f.as_str()));
        let mut out = std::fs::File::create(&path)?;
        customs_report::write(f, &report, &mut out)?;
        println!("{}", path.display());
    }
    Ok(())
}
