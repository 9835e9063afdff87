//! `equix-native-bench <ms>`: one thread solving Equi-X attempts of the powboard
//! puzzle (seed "powboard-equix-v1" || c || byte(i) || le64(n), docs/pow-equix.md)
//! for about `ms` milliseconds; prints {"attempts":..,"seconds":..,"runtime":..}.
//! The browser's per-thread rate is measured against this in the same run.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

fn main() {
    let ms: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    // A fresh challenge per run; the attempts' cost does not depend on it.
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let mut seed = [0u8; 42];
    seed[..17].copy_from_slice(b"powboard-equix-v1");
    seed[17..33].copy_from_slice(&nanos.to_le_bytes());
    let mut memory = equix::SolverMemory::new();
    let mut runtime = "none";
    let start = Instant::now();
    let mut attempts = 0u64;
    while start.elapsed().as_millis() < u128::from(ms) {
        seed[34..].copy_from_slice(&attempts.to_le_bytes());
        if let Ok(e) = equix::EquiX::new(&seed) {
            runtime = if e.runtime() == equix::Runtime::Compiled { "compiled" } else { "interpreted" };
            std::hint::black_box(e.solve_with_memory(&mut memory));
        }
        attempts += 1;
    }
    let seconds = start.elapsed().as_secs_f64();
    println!("{{\"attempts\":{attempts},\"seconds\":{seconds},\"runtime\":\"{runtime}\"}}");
}
