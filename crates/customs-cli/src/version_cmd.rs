//! `customs version compare ECOSYSTEM A B`: how customs orders two versions.

use anyhow::Context;
use customs_version::Scheme;

use crate::args::VersionCommand;

pub fn run(cmd: &VersionCommand) -> anyhow::Result<u8> {
    match cmd {
        VersionCommand::Compare { ecosystem, a, b } => {
            let scheme = Scheme::for_ecosystem(ecosystem).with_context(|| {
                format!(
                    "no version scheme for ecosystem {ecosystem:?} (try Debian, Ubuntu, Alpine, \
                     Red Hat, PyPI, npm, Go, crates.io, Maven, RubyGems, NuGet, Packagist)"
                )
            })?;
            let ord = scheme
                .compare(a, b)
                .with_context(|| format!("{ecosystem} ({scheme})"))?;
            let sign = match ord {
                std::cmp::Ordering::Less => "<",
                std::cmp::Ordering::Equal => "=",
                std::cmp::Ordering::Greater => ">",
            };
            println!("{sign}");
            Ok(0)
        }
    }
}
