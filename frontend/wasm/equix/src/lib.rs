//! The browser's Equi-X solver (docs/pow-equix.md): Tor's `equix` crate built for
//! wasm32-unknown-unknown, behind plain `extern "C"` exports over fixed buffers in
//! linear memory, so the worker needs no bindings glue.
//!
//! An attempt runs in one of two ways (frontend/src/features/pow/solver/equix/kernel.ts):
//! - interpreted: `attempt_seed`, `solve` (HashX's interpreter), `pick`;
//! - compiled: `attempt_seed`, `program` (this HashX program as a wasm module, jit.rs),
//!   the worker compiles it and runs its `fill` into `hashes_ptr()`, `solve_hashes`, `pick`.
//!
//! Built by `make equix-wasm` (mk/solver.mk); the .wasm is not committed because it
//! is built from LGPL-3.0 code (README "Licences").

mod jit;

use equix::{EquiX, SolverMemory};
use sha2::{Digest, Sha256};

/// The seed prefix of every attempt (the puzzle's domain separator).
const DOMAIN: &[u8; 17] = b"powboard-equix-v1";
/// Equi-X keeps at most this many solutions per seed.
const MAX_SOLUTIONS: usize = 8;
const SOLUTION_BYTES: usize = 16;
const ITEMS: usize = 1 << 16;

/// The puzzle the attempts work on, written by the worker through `params_ptr`:
/// challenge (16 bytes), sub-puzzle index (1 byte), threshold (8 bytes big-endian).
#[repr(C)]
struct Params {
    challenge: [u8; 16],
    index: u8,
    threshold: [u8; 8],
}

/// Everything one instance owns. A worker is single-threaded and owns its instance.
struct State {
    params: Params,
    seed: [u8; 64],
    /// The nonce of the last `attempt_seed`.
    nonce: [u8; 8],
    out: [u8; MAX_SOLUTIONS * SOLUTION_BYTES],
    memory: SolverMemory,
    hashes: Box<[u64; ITEMS]>,
    program: Vec<u8>,
}

static mut STATE: Option<Box<State>> = None;

fn state() -> &'static mut State {
    // SAFETY: wasm32-unknown-unknown without threads: one caller at a time, and no
    // export holds the reference across calls.
    unsafe {
        (*core::ptr::addr_of_mut!(STATE)).get_or_insert_with(|| {
            Box::new(State {
                params: Params {
                    challenge: [0; 16],
                    index: 0,
                    threshold: [0; 8],
                },
                seed: [0; 64],
                nonce: [0; 8],
                out: [0; MAX_SOLUTIONS * SOLUTION_BYTES],
                memory: SolverMemory::new(),
                hashes: vec![0u64; ITEMS]
                    .into_boxed_slice()
                    .try_into()
                    .expect("2^16 items"),
                program: Vec::with_capacity(32 * 1024),
            })
        })
    }
}

#[no_mangle]
pub extern "C" fn params_ptr() -> *mut u8 {
    core::ptr::addr_of_mut!(state().params).cast()
}

#[no_mangle]
pub extern "C" fn seed_ptr() -> *mut u8 {
    state().seed.as_mut_ptr()
}

#[no_mangle]
pub extern "C" fn out_ptr() -> *mut u8 {
    state().out.as_mut_ptr()
}

#[no_mangle]
pub extern "C" fn hashes_ptr() -> *mut u64 {
    state().hashes.as_mut_ptr()
}

#[no_mangle]
pub extern "C" fn program_ptr() -> *const u8 {
    state().program.as_ptr()
}

/// Writes the seed of attempt `hi << 32 | lo` at the puzzle in `params_ptr()` to
/// `seed_ptr()`: "powboard-equix-v1" || c || byte(i) || le64(n). Returns its length.
#[no_mangle]
pub extern "C" fn attempt_seed(lo: u32, hi: u32) -> usize {
    let s = state();
    s.nonce = (u64::from(hi) << 32 | u64::from(lo)).to_le_bytes();
    s.seed[..17].copy_from_slice(DOMAIN);
    s.seed[17..33].copy_from_slice(&s.params.challenge);
    s.seed[33] = s.params.index;
    s.seed[34..42].copy_from_slice(&s.nonce);
    42
}

/// All Equi-X solutions of the seed in `seed_ptr()[..len]`, by HashX's interpreter,
/// written to `out_ptr()`; returns their count (0 also when HashX rejects the seed).
#[no_mangle]
pub extern "C" fn solve(len: usize) -> usize {
    let s = state();
    let Ok(equix) = EquiX::new(&s.seed[..len.min(64)]) else {
        return 0;
    };
    let solutions = equix.solve_with_memory(&mut s.memory);
    write_solutions(&mut s.out, &solutions)
}

/// The HashX program of the seed in `seed_ptr()[..len]` as a wasm module at
/// `program_ptr()` (jit.rs); returns its length, or 0 when HashX rejects the seed.
#[no_mangle]
pub extern "C" fn program(len: usize) -> usize {
    let s = state();
    match hashx::export::generate(&s.seed[..len.min(64)]) {
        Ok((ops, key)) => {
            jit::compile(&ops, key, &mut s.program);
            s.program.len()
        }
        Err(_) => 0,
    }
}

/// All Equi-X solutions given the 2^16 hashes at `hashes_ptr()`, written to
/// `out_ptr()`; returns their count.
#[no_mangle]
pub extern "C" fn solve_hashes() -> usize {
    let s = state();
    let solutions = equix::solve_with_hashes(&s.hashes, &mut s.memory);
    write_solutions(&mut s.out, &solutions)
}

fn write_solutions(
    out: &mut [u8; MAX_SOLUTIONS * SOLUTION_BYTES],
    solutions: &equix::SolutionArray,
) -> usize {
    for (slot, solution) in out.chunks_exact_mut(SOLUTION_BYTES).zip(solutions.iter()) {
        slot.copy_from_slice(&solution.to_bytes());
    }
    solutions.len()
}

/// Of the first `count` solutions at `out_ptr()` (of the last `attempt_seed`), the
/// first whose SHA-256(c || byte(i) || le64(n) || s) starts below the threshold is
/// moved to `out_ptr()`: returns 1, or 0 when none is.
#[no_mangle]
pub extern "C" fn pick(count: usize) -> u32 {
    let s = state();
    let threshold = u64::from_be_bytes(s.params.threshold);
    for k in 0..count.min(MAX_SOLUTIONS) {
        let range = k * SOLUTION_BYTES..(k + 1) * SOLUTION_BYTES;
        let digest = Sha256::new()
            .chain_update(s.params.challenge)
            .chain_update([s.params.index])
            .chain_update(s.nonce)
            .chain_update(&s.out[range.clone()])
            .finalize();
        let prefix = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
        if prefix < threshold {
            s.out.copy_within(range, 0);
            return 1;
        }
    }
    0
}

/// 1 when the 16 bytes at `out_ptr()` are an Equi-X solution of the seed in
/// `seed_ptr()[..len]` (the server's check, for tests), else 0.
#[no_mangle]
pub extern "C" fn verify(len: usize) -> u32 {
    let s = state();
    let bytes: &[u8; SOLUTION_BYTES] = s.out[..SOLUTION_BYTES].try_into().expect("16 bytes");
    u32::from(equix::verify_bytes(&s.seed[..len.min(64)], bytes).is_ok())
}
