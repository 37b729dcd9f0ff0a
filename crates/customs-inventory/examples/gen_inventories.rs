//! Fills an inventory store with generated inventories, for benchmarks:
//! each is one of the given real inventories (customs JSON reports, e.g.
//! `customs sbom -f json IMAGE`) with its digest and reference made up, a
//! few packages dropped and some versions moved up or down (deterministic).
//!
//! ```sh
//! cargo run --release --example gen_inventories -p customs-inventory -- \
//!     --count 1000 --store /tmp/inventory.db --from ml-app.json --from debian-base.json
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use customs_inventory::{Store, StoredInventory};
use customs_types::{Inventory, OsInfo, Package};
use sha2::{Digest as _, Sha256};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The version with its last number moved by -2..=+2 (never below 0).
fn perturb(version: &str, rng: &mut Rng) -> String {
    let bytes = version.as_bytes();
    let Some(end) = bytes.iter().rposition(u8::is_ascii_digit) else {
        return version.to_owned();
    };
    let start = bytes[..end]
        .iter()
        .rposition(|b| !b.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let Ok(n) = version[start..=end].parse::<u64>() else {
        return version.to_owned();
    };
    let m = (n + rng.below(5)).saturating_sub(2);
    format!("{}{m}{}", &version[..start], &version[end + 1..])
}

fn read_report(path: &PathBuf) -> Result<Inventory, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let os: Option<OsInfo> = v
        .get("os")
        .filter(|o| !o.is_null())
        .map(|o| serde_json::from_value(o.clone()))
        .transpose()
        .map_err(|e| format!("{}: os: {e}", path.display()))?;
    let packages: Vec<Package> = serde_json::from_value(v["packages"].clone())
        .map_err(|e| format!("{}: packages: {e}", path.display()))?;
    Ok(Inventory {
        os,
        packages,
        unknowns: Vec::new(),
    })
}

fn main() -> ExitCode {
    let mut count = 1000usize;
    let mut store_path: Option<PathBuf> = None;
    let mut from: Vec<PathBuf> = Vec::new();
    let mut seed = 0x5eed_u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_default();
        match a.as_str() {
            "--count" => count = val().parse().unwrap_or(count),
            "--store" => store_path = Some(PathBuf::from(val())),
            "--from" => from.push(PathBuf::from(val())),
            "--seed" => seed = val().parse().unwrap_or(seed),
            _ => {
                eprintln!(
                    "usage: gen_inventories --count N --store PATH --from REPORT.json [--from ...] [--seed S]"
                );
                return ExitCode::from(2);
            }
        }
    }
    let (Some(store_path), false) = (store_path, from.is_empty()) else {
        eprintln!("gen_inventories: --store and at least one --from are required");
        return ExitCode::from(2);
    };
    let mut bases = Vec::new();
    for p in &from {
        match read_report(p) {
            Ok(inv) => bases.push(inv),
            Err(e) => {
                eprintln!("gen_inventories: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let mut store = match Store::open(&store_path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("gen_inventories: {e}");
            return ExitCode::from(2);
        }
    };
    let mut rng = Rng(seed | 1);
    let t = std::time::Instant::now();
    let mut packages = 0usize;
    for i in 0..count {
        let base = &bases[i % bases.len()];
        let mut inv = base.clone();
        inv.packages.retain(|_| rng.below(100) >= 5);
        for p in &mut inv.packages {
            if rng.below(100) < 30 {
                p.version = perturb(&p.version, &mut rng);
                if let Some(sv) = &p.source_version {
                    p.source_version = Some(perturb(sv, &mut rng));
                }
            }
        }
        packages += inv.packages.len();
        let digest = format!(
            "sha256:{}",
            hex::encode(Sha256::digest(format!("generated-{seed}-{i}").as_bytes()))
        );
        let s = StoredInventory {
            digest,
            reference: format!(
                "registry.example.com/team{}/service-{i}:{}",
                i % 20,
                1 + i % 7
            ),
            source: "registry".into(),
            added_at: "2026-12-05T00:00:00Z".into(),
            inventory: inv,
        };
        if let Err(e) = store.add(&s) {
            eprintln!("gen_inventories: {e}");
            return ExitCode::from(1);
        }
    }
    eprintln!(
        "gen_inventories: {count} inventories, {packages} packages into {} in {:.1} s",
        store_path.display(),
        t.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
