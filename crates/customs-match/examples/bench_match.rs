//! Times `match_inventory` on an inventory JSON (or the ml-app-shaped list
//! the reference test writes) against an advisory database.
//!
//! `cargo run --release -p customs-match --example bench_match -- DB INVENTORY_JSON [ROUNDS]`

use std::time::Instant;

use customs_advisory::Db;
use customs_match::match_inventory;
use customs_types::Inventory;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(db), Some(inv)) = (args.next(), args.next()) else {
        return Err("usage: bench_match DB INVENTORY_JSON [ROUNDS]".into());
    };
    let rounds: usize = args.next().map_or(Ok(20), |r| r.parse())?;
    let inv: Inventory = serde_json::from_slice(&std::fs::read(&inv)?)?;
    let mut wall = Vec::new();
    let mut last = None;
    for _ in 0..rounds {
        let db = Db::open(&db)?;
        let t = Instant::now();
        let out = match_inventory(&inv, &db)?;
        wall.push(t.elapsed());
        last = Some(out);
    }
    wall.sort();
    let out = last.ok_or("no rounds")?;
    println!(
        "{} packages, {} findings, {} lookups, {} candidates, {} unknowns",
        inv.packages.len(),
        out.findings.len(),
        out.stats.lookups,
        out.stats.candidates,
        out.unknowns.len()
    );
    println!(
        "match_inventory over {rounds} rounds (fresh Db handle each): min {:.2?}, median {:.2?}, max {:.2?}",
        wall[0],
        wall[wall.len() / 2],
        wall[wall.len() - 1]
    );
    Ok(())
}
