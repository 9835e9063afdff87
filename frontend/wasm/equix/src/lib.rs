//! The browser's Equi-X solver (docs/pow-equix.md): Tor's `equix` crate built for
//! wasm32-unknown-unknown, behind plain `extern "C"` exports over fixed buffers in
//! linear memory, so the worker needs no bindings glue. One call is one attempt.
//!
//! Built by `make equix-wasm` (mk/solver.mk); the .wasm is not committed because it
//! is built from LGPL-3.0 code (README "Licences").

use equix::{EquiX, SolverMemory};
use sha2::{Digest, Sha256};

/// The seed prefix of every attempt (the puzzle's domain separator).
const DOMAIN: &[u8; 17] = b"powboard-equix-v1";
/// Equi-X finds at most this many solutions per seed.
const MAX_SOLUTIONS: usize = 8;
const SOLUTION_BYTES: usize = 16;

/// The puzzle an `attempt` works on, written by the worker through `params_ptr`:
/// challenge (16 bytes), sub-puzzle index (1 byte), threshold (8 bytes big-endian).
#[repr(C)]
struct Params {
    challenge: [u8; 16],
    index: u8,
    threshold: [u8; 8],
}

/// The worker is single-threaded and owns this instance: plain statics are enough.
static mut PARAMS: Params = Params { challenge: [0; 16], index: 0, threshold: [0; 8] };
static mut SEED: [u8; 64] = [0; 64];
static mut OUT: [u8; MAX_SOLUTIONS * SOLUTION_BYTES] = [0; MAX_SOLUTIONS * SOLUTION_BYTES];
static mut MEMORY: Option<Box<SolverMemory>> = None;

fn memory() -> &'static mut SolverMemory {
    // SAFETY: wasm32-unknown-unknown without threads: one caller at a time.
    unsafe { (*core::ptr::addr_of_mut!(MEMORY)).get_or_insert_with(|| Box::new(SolverMemory::new())) }
}

#[no_mangle]
pub extern "C" fn params_ptr() -> *mut u8 {
    core::ptr::addr_of_mut!(PARAMS).cast()
}

#[no_mangle]
pub extern "C" fn seed_ptr() -> *mut u8 {
    core::ptr::addr_of_mut!(SEED).cast()
}

#[no_mangle]
pub extern "C" fn out_ptr() -> *mut u8 {
    core::ptr::addr_of_mut!(OUT).cast()
}

/// All Equi-X solutions of the seed in `seed_ptr()[..len]`, written to `out_ptr()` as
/// 16-byte solutions; returns their count (0 also when HashX rejects the seed).
#[no_mangle]
pub extern "C" fn solve(len: usize) -> usize {
    // SAFETY: single-threaded, see `memory`.
    let seed: &[u8; 64] = unsafe { &*core::ptr::addr_of!(SEED) };
    let seed = &seed[..len.min(64)];
    let out = unsafe { &mut *core::ptr::addr_of_mut!(OUT) };
    solve_into(seed, out)
}

fn solve_into(seed: &[u8], out: &mut [u8; MAX_SOLUTIONS * SOLUTION_BYTES]) -> usize {
    let Ok(equix) = EquiX::new(seed) else { return 0 };
    let solutions = equix.solve_with_memory(memory());
    for (slot, s) in out.chunks_exact_mut(SOLUTION_BYTES).zip(solutions.iter()) {
        slot.copy_from_slice(&s.to_bytes());
    }
    solutions.len()
}

/// 1 when the 16 bytes at `out_ptr()` are an Equi-X solution of the seed in
/// `seed_ptr()[..len]` (the server's check, for tests), else 0.
#[no_mangle]
pub extern "C" fn verify(len: usize) -> u32 {
    // SAFETY: single-threaded, see `memory`.
    let seed: &[u8; 64] = unsafe { &*core::ptr::addr_of!(SEED) };
    let out = unsafe { &*core::ptr::addr_of!(OUT) };
    let bytes: &[u8; SOLUTION_BYTES] = out[..SOLUTION_BYTES].try_into().expect("16 bytes");
    u32::from(equix::verify_bytes(&seed[..len.min(64)], bytes).is_ok())
}

/// One attempt at the puzzle in `params_ptr()` with nonce `hi << 32 | lo`: returns
/// 1 and the first solution below the threshold at `out_ptr()`, or 0.
#[no_mangle]
pub extern "C" fn attempt(lo: u32, hi: u32) -> u32 {
    // SAFETY: single-threaded, see `memory`.
    let p = unsafe { &*core::ptr::addr_of!(PARAMS) };
    let out = unsafe { &mut *core::ptr::addr_of_mut!(OUT) };
    let nonce = (u64::from(hi) << 32 | u64::from(lo)).to_le_bytes();
    let mut seed = [0u8; 42];
    seed[..17].copy_from_slice(DOMAIN);
    seed[17..33].copy_from_slice(&p.challenge);
    seed[33] = p.index;
    seed[34..].copy_from_slice(&nonce);
    let count = solve_into(&seed, out);
    let threshold = u64::from_be_bytes(p.threshold);
    for k in 0..count {
        let s = &out[k * SOLUTION_BYTES..(k + 1) * SOLUTION_BYTES];
        let digest = Sha256::new()
            .chain_update(p.challenge)
            .chain_update([p.index])
            .chain_update(nonce)
            .chain_update(s)
            .finalize();
        let prefix = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
        if prefix < threshold {
            out.copy_within(k * SOLUTION_BYTES..(k + 1) * SOLUTION_BYTES, 0);
            return 1;
        }
    }
    0
}
