//! powboard patch (see frontend/wasm/equix/vendor/README.md): the generated
//! program in a public form, so that a code generator outside this crate (the
//! browser's WebAssembly compiler of HashX programs) can compile it. Nothing else
//! in the crate changes.

use crate::program::{Instruction, Program};
use crate::rand::SipRand;
use crate::siphash::SipState;
use crate::Error;

/// One HashX instruction; registers are 0..8.
#[derive(Debug, Clone, Copy, Eq, PartialEq)]
#[non_exhaustive]
pub enum Op {
    /// dst = dst * src (wrapping)
    Mul(u8, u8),
    /// dst = high 64 bits of dst * src, unsigned; sets the branch flag word
    UMulH(u8, u8),
    /// dst = high 64 bits of dst * src, signed; sets the branch flag word
    SMulH(u8, u8),
    /// dst = dst + (src << shift)
    AddShift(u8, u8, u8),
    /// dst = dst + sign-extended constant
    AddConst(u8, i32),
    /// dst = dst - src
    Sub(u8, u8),
    /// dst = dst ^ src
    Xor(u8, u8),
    /// dst = dst ^ sign-extended constant
    XorConst(u8, i32),
    /// dst = dst rotated right
    Rotate(u8, u8),
    /// where the next branch jumps back to
    Target,
    /// once per hash: jump back to the last target when (mask & low 32 bits of the
    /// last multiply-high result) == 0
    Branch(u32),
}

/// The program and register key HashX builds from `seed` (the same as
/// `HashX::new(seed)` uses), or the error it gives for seeds it rejects.
pub fn generate(seed: &[u8]) -> Result<(Vec<Op>, [u64; 4]), Error> {
    let (key0, key1) = SipState::pair_from_seed(seed);
    let mut rng = SipRand::new(key0);
    let program = Program::generate(&mut rng)?;
    let instructions: &[Instruction] = <&crate::program::InstructionArray>::from(&program);
    let r = |id: &crate::register::RegisterId| id.as_usize() as u8;
    let ops = instructions
        .iter()
        .map(|i| match i {
            Instruction::Mul { dst, src } => Op::Mul(r(dst), r(src)),
            Instruction::UMulH { dst, src } => Op::UMulH(r(dst), r(src)),
            Instruction::SMulH { dst, src } => Op::SMulH(r(dst), r(src)),
            Instruction::AddShift { dst, src, left_shift } => Op::AddShift(r(dst), r(src), *left_shift),
            Instruction::AddConst { dst, src } => Op::AddConst(r(dst), *src),
            Instruction::Sub { dst, src } => Op::Sub(r(dst), r(src)),
            Instruction::Xor { dst, src } => Op::Xor(r(dst), r(src)),
            Instruction::XorConst { dst, src } => Op::XorConst(r(dst), *src),
            Instruction::Rotate { dst, right_rotate } => Op::Rotate(r(dst), *right_rotate),
            Instruction::Target => Op::Target,
            Instruction::Branch { mask } => Op::Branch(*mask),
        })
        .collect();
    Ok((ops, key1.into()))
}
