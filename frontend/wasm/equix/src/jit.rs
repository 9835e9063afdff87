//! A compiler from one HashX program to a WebAssembly module, the browser's
//! counterpart of the `hashx` crate's x86-64/aarch64 JIT: an interpreter in wasm
//! runs a tenth of native speed, compiled code several times that.
//!
//! The module imports the solver's memory ("env" "memory") and exports
//! `fill(out, from, to)`: for each item i in from..to it writes HashX(i), as
//! `HashX::hash_to_u64` gives it, as a little-endian u64 at `out + 8 i`. One
//! function does the register set-up (SipHash-2-4 in counter mode), the program
//! and the digest (one SipRound per half), all with the key baked in as constants.
//! Hand-written: no crate emits this, and the format needs only a few opcodes.

use hashx::export::Op;

// Function-local indices: the three parameters, then i64 and i32 locals.
const OUT: u32 = 0;
const IDX: u32 = 1;
const TO: u32 = 2;
/// r0..r7 (the registers; also the two SipHash states while setting them up).
const R: u32 = 3;
/// The digest's two SipHash states.
const X: u32 = 11;
const Y: u32 = 15;
/// Temporaries of the multiply-high.
const T: u32 = 19;
const I64_LOCALS: u32 = 21; // R..=T+4
const MULH: u32 = 24;
const ALLOW: u32 = 25;
const I32_LOCALS: u32 = 2;

/// WebAssembly opcodes used here.
mod op {
    pub const LOOP: u8 = 0x03;
    pub const IF: u8 = 0x04;
    pub const END: u8 = 0x0b;
    pub const BR: u8 = 0x0c;
    pub const BR_IF: u8 = 0x0d;
    pub const LOCAL_GET: u8 = 0x20;
    pub const LOCAL_SET: u8 = 0x21;
    pub const I64_STORE: u8 = 0x37;
    pub const I32_CONST: u8 = 0x41;
    pub const I64_CONST: u8 = 0x42;
    pub const I32_EQZ: u8 = 0x45;
    pub const I32_LT_U: u8 = 0x49;
    pub const I32_ADD: u8 = 0x6a;
    pub const I32_AND: u8 = 0x71;
    pub const I32_SHL: u8 = 0x74;
    pub const I64_ADD: u8 = 0x7c;
    pub const I64_SUB: u8 = 0x7d;
    pub const I64_MUL: u8 = 0x7e;
    pub const I64_AND: u8 = 0x83;
    pub const I64_XOR: u8 = 0x85;
    pub const I64_SHL: u8 = 0x86;
    pub const I64_SHR_S: u8 = 0x87;
    pub const I64_SHR_U: u8 = 0x88;
    pub const I64_ROTL: u8 = 0x89;
    pub const I64_ROTR: u8 = 0x8a;
    pub const I32_WRAP_I64: u8 = 0xa7;
    pub const I64_EXTEND_I32_U: u8 = 0xad;
    pub const VOID: u8 = 0x40;
}

/// A function body being written.
struct Code(Vec<u8>);

impl Code {
    fn op(&mut self, byte: u8) -> &mut Self {
        self.0.push(byte);
        self
    }
    fn uleb(&mut self, mut v: u64) -> &mut Self {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(byte);
                return self;
            }
            self.0.push(byte | 0x80);
        }
    }
    fn sleb(&mut self, mut v: i64) -> &mut Self {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            let done = (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0);
            self.0.push(if done { byte } else { byte | 0x80 });
            if done {
                return self;
            }
        }
    }
    fn get(&mut self, local: u32) -> &mut Self {
        self.op(op::LOCAL_GET).uleb(local.into())
    }
    fn set(&mut self, local: u32) -> &mut Self {
        self.op(op::LOCAL_SET).uleb(local.into())
    }
    fn i64(&mut self, v: u64) -> &mut Self {
        self.op(op::I64_CONST).sleb(v as i64)
    }
    fn i32(&mut self, v: i32) -> &mut Self {
        self.op(op::I32_CONST).sleb(v.into())
    }
    /// local = local `binop` other
    fn update(&mut self, local: u32, other: u32, binop: u8) -> &mut Self {
        self.get(local).get(other).op(binop).set(local)
    }
    /// local = local `binop` constant
    fn update_const(&mut self, local: u32, constant: u64, binop: u8) -> &mut Self {
        self.get(local).i64(constant).op(binop).set(local)
    }

    /// One SipRound on the state in locals s..s+4.
    fn sip_round(&mut self, s: u32) {
        let (v0, v1, v2, v3) = (s, s + 1, s + 2, s + 3);
        self.update(v0, v1, op::I64_ADD).update(v2, v3, op::I64_ADD);
        self.update_const(v1, 13, op::I64_ROTL)
            .update_const(v3, 16, op::I64_ROTL);
        self.update(v1, v0, op::I64_XOR).update(v3, v2, op::I64_XOR);
        self.update_const(v0, 32, op::I64_ROTL);
        self.update(v2, v1, op::I64_ADD).update(v0, v3, op::I64_ADD);
        self.update_const(v1, 17, op::I64_ROTL)
            .update_const(v3, 21, op::I64_ROTL);
        self.update(v1, v2, op::I64_XOR).update(v3, v0, op::I64_XOR);
        self.update_const(v2, 32, op::I64_ROTL);
    }

    /// The high 64 bits of the product of locals a and b, signed or unsigned, left on
    /// the stack: wasm has no 64x64 -> 128 multiply, so this is Hacker's Delight's
    /// mulhu/mulhs from 32-bit halves (four multiplies). Reads a and b before
    /// anything is written, so a == b is fine.
    fn mulh(&mut self, a: u32, b: u32, signed: bool) {
        const LO: u64 = 0xffff_ffff;
        let shr = if signed { op::I64_SHR_S } else { op::I64_SHR_U };
        let (u0, u1, v0, v1, t) = (T, T + 1, T + 2, T + 3, T + 4);
        self.get(a).i64(LO).op(op::I64_AND).set(u0);
        self.get(a).i64(32).op(shr).set(u1);
        self.get(b).i64(LO).op(op::I64_AND).set(v0);
        self.get(b).i64(32).op(shr).set(v1);
        // t = u1*v0 + (u0*v0 >>> 32)
        self.get(u1).get(v0).op(op::I64_MUL);
        self.get(u0)
            .get(v0)
            .op(op::I64_MUL)
            .i64(32)
            .op(op::I64_SHR_U)
            .op(op::I64_ADD)
            .set(t);
        // v0 = u0*v1 + lo32(t)
        self.get(u0)
            .get(v1)
            .op(op::I64_MUL)
            .get(t)
            .i64(LO)
            .op(op::I64_AND)
            .op(op::I64_ADD);
        self.set(v0);
        // high = u1*v1 + (t >> 32) + (v0 >> 32)
        self.get(u1).get(v1).op(op::I64_MUL);
        self.get(t).i64(32).op(shr).op(op::I64_ADD);
        self.get(v0).i64(32).op(shr).op(op::I64_ADD);
    }
}

fn reg(r: u8) -> u32 {
    R + u32::from(r)
}

/// The body of `fill`.
fn body(program: &[Op], key: [u64; 4]) -> Vec<u8> {
    let mut c = Code(Vec::with_capacity(24 * 1024));
    c.uleb(2)
        .uleb(I64_LOCALS.into())
        .op(0x7e)
        .uleb(I32_LOCALS.into())
        .op(0x7f);
    c.op(op::LOOP).op(op::VOID);

    // Registers: siphash24_ctr(key, i) (hashx/src/siphash.rs), s in r0..r3, t in r4..r7.
    let input = |c: &mut Code| {
        c.get(IDX).op(op::I64_EXTEND_I32_U);
    };
    c.i64(key[0])
        .set(R)
        .i64(key[1] ^ 0xee)
        .set(R + 1)
        .i64(key[2])
        .set(R + 2);
    c.i64(key[3]);
    input(&mut c);
    c.op(op::I64_XOR).set(R + 3);
    c.sip_round(R);
    c.sip_round(R);
    input(&mut c);
    c.get(R).op(op::I64_XOR).set(R);
    c.update_const(R + 2, 0xee, op::I64_XOR);
    for _ in 0..4 {
        c.sip_round(R);
    }
    for k in 0..4 {
        c.get(R + k).set(R + 4 + k);
    }
    c.update_const(R + 5, 0xdd, op::I64_XOR);
    for _ in 0..4 {
        c.sip_round(R + 4);
    }

    // The program (hashx/src/program.rs `interpret`).
    c.i32(0).set(MULH).i32(1).set(ALLOW);
    for (pc, instruction) in program.iter().enumerate() {
        match *instruction {
            Op::Mul(d, s) => {
                c.update(reg(d), reg(s), op::I64_MUL);
            }
            Op::UMulH(d, s) | Op::SMulH(d, s) => {
                c.mulh(reg(d), reg(s), matches!(instruction, Op::SMulH(..)));
                c.set(reg(d));
                c.get(reg(d)).op(op::I32_WRAP_I64).set(MULH);
            }
            Op::AddShift(d, s, shift) => {
                c.get(reg(d)).get(reg(s)).i64(shift.into()).op(op::I64_SHL);
                c.op(op::I64_ADD).set(reg(d));
            }
            Op::AddConst(d, k) => {
                c.update_const(reg(d), i64::from(k) as u64, op::I64_ADD);
            }
            Op::Sub(d, s) => {
                c.update(reg(d), reg(s), op::I64_SUB);
            }
            Op::Xor(d, s) => {
                c.update(reg(d), reg(s), op::I64_XOR);
            }
            Op::XorConst(d, k) => {
                c.update_const(reg(d), i64::from(k) as u64, op::I64_XOR);
            }
            Op::Rotate(d, n) => {
                c.update_const(reg(d), n.into(), op::I64_ROTR);
            }
            Op::Target => {
                // One loop per branch back to this target; each branch closes one.
                let branches = program[pc + 1..]
                    .iter()
                    .take_while(|o| **o != Op::Target)
                    .filter(|o| matches!(o, Op::Branch(_)))
                    .count();
                for _ in 0..branches {
                    c.op(op::LOOP).op(op::VOID);
                }
            }
            Op::Branch(mask) => {
                c.get(ALLOW)
                    .get(MULH)
                    .i32(mask as i32)
                    .op(op::I32_AND)
                    .op(op::I32_EQZ);
                c.op(op::I32_AND).op(op::IF).op(op::VOID);
                c.i32(0).set(ALLOW).op(op::BR).uleb(1);
                c.op(op::END).op(op::END);
            }
            _ => unreachable!("an instruction hashx added after 0.10"),
        }
    }

    // Digest, first word (hashx/src/register.rs `digest`): x.v0 ^ y.v0 after a round.
    c.get(R).i64(key[0]).op(op::I64_ADD).set(X);
    c.get(R + 1).i64(key[1]).op(op::I64_ADD).set(X + 1);
    c.get(R + 2).set(X + 2).get(R + 3).set(X + 3);
    c.get(R + 4).set(Y).get(R + 5).set(Y + 1);
    c.get(R + 6).i64(key[2]).op(op::I64_ADD).set(Y + 2);
    c.get(R + 7).i64(key[3]).op(op::I64_ADD).set(Y + 3);
    c.sip_round(X);
    c.sip_round(Y);
    // store at out + 8 i
    c.get(OUT).get(IDX).i32(3).op(op::I32_SHL).op(op::I32_ADD);
    c.get(X).get(Y).op(op::I64_XOR);
    c.op(op::I64_STORE).uleb(3).uleb(0);

    // i += 1, again while i < to
    c.get(IDX).i32(1).op(op::I32_ADD).set(IDX);
    c.get(IDX).get(TO).op(op::I32_LT_U).op(op::BR_IF).uleb(0);
    c.op(op::END).op(op::END);
    c.0
}

fn section(out: &mut Vec<u8>, id: u8, content: &[u8]) {
    out.push(id);
    let mut len = Code(Vec::new());
    len.uleb(content.len() as u64);
    out.extend_from_slice(&len.0);
    out.extend_from_slice(content);
}

/// The module for one program, written into `out` (cleared first).
pub fn compile(program: &[Op], key: [u64; 4], out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(b"\0asm");
    out.extend_from_slice(&1u32.to_le_bytes());
    // type 0: (i32 out, i32 from, i32 to) -> ()
    section(out, 1, &[1, 0x60, 3, 0x7f, 0x7f, 0x7f, 0]);
    // import "env" "memory": a memory of at least one page
    section(
        out,
        2,
        &[
            1, 3, b'e', b'n', b'v', 6, b'm', b'e', b'm', b'o', b'r', b'y', 2, 0, 1,
        ],
    );
    section(out, 3, &[1, 0]);
    section(out, 7, &[1, 4, b'f', b'i', b'l', b'l', 0, 0]);
    let body = body(program, key);
    let mut code = Code(Vec::with_capacity(body.len() + 8));
    code.uleb(1).uleb(body.len() as u64);
    code.0.extend_from_slice(&body);
    section(out, 10, &code.0);
}
