//! Generates the proof-of-work search kernel from one description of SHA-256 in the
//! fixed message layout of layout.ts, in two back ends: AssemblyScript with WASM
//! SIMD (4 nonces per i32x4 vector, `ways` vectors interleaved) and scalar
//! TypeScript (the fallback when a browser lacks WASM SIMD).
//!
//! Why generated: the message is 36 bytes, and only word 8 (the last four nonce
//! digits) changes from nonce to nonce. Everything that depends on the other words
//! (rounds 0-7, most of round 8, schedule words 16-22 and parts of 23-38, all
//! round constants) is folded at generation time or hoisted out of the loop, and
//! only the first 8 digest bytes are computed. Writing that by hand for 64 rounds
//! in two languages would be error-prone; the graph in dag.mjs does it once.

import { Graph, reachable } from "./dag.mjs";

// The message layout (must match layout.ts): W0..W7 = challenge, sub-puzzle index,
// 15 prefix digits; W8 = 4 suffix digits; W9 = 0x80 padding; W15 = 36 * 8 bits.
const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
const IV = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/**
 * SHA-256 of the one-block message over the graph; returns the first two digest
 * words. `select` makes Ch and Maj one bitselect node each (for WASM SIMD).
 */
export function buildGraph(opts = {}) {
  const g = new Graph();
  const W = [];
  for (let t = 0; t < 8; t++) W.push(g.input(`w${t}`, "pre"));
  W.push(g.input("suffix", "vec"));
  W.push(g.num(0x80000000));
  for (let t = 10; t < 15; t++) W.push(g.num(0));
  W.push(g.num(36 * 8));
  const s0 = (x) => g.xor(g.rotr(x, 7), g.rotr(x, 18), g.shr(x, 3));
  const s1 = (x) => g.xor(g.rotr(x, 17), g.rotr(x, 19), g.shr(x, 10));
  let [a, b, c, d, e, f, h7, h] = IV.map((v) => g.num(v));
  for (let t = 0; t < 64; t++) {
    // Each schedule word is made just before its round, so the emitted code keeps
    // only the last 16 words alive (fewer register spills).
    if (t >= 16) W.push(g.add(s1(W[t - 2]), W[t - 7], s0(W[t - 15]), W[t - 16]));
    const S1 = g.xor(g.rotr(e, 6), g.rotr(e, 11), g.rotr(e, 25));
    const ch =
      opts.select && e.kind === "vec"
        ? g.node("sel", [e, f, h7])
        : g.xor(h7, g.and(e, g.xor(f, h7)));
    const t1 = g.add(h, S1, ch, g.num(K[t]), W[t]);
    const S0 = g.xor(g.rotr(a, 2), g.rotr(a, 13), g.rotr(a, 22));
    // Maj(a,b,c) = b ^ ((a ^ b) & (b ^ c)); b ^ c is the previous round's a ^ b,
    // which the graph shares.
    const maj =
      opts.select && a.kind === "vec"
        ? g.node("sel", [g.xor(a, b), c, a])
        : g.xor(b, g.and(g.xor(a, b), g.xor(b, c)));
    h = h7;
    h7 = f;
    f = e;
    e = g.add(d, t1);
    d = c;
    c = b;
    b = a;
    a = g.add(t1, S0, maj);
  }
  return { graph: g, h0: g.add(a, g.num(IV[0])), h1: g.add(b, g.num(IV[1])) };
}

const hex = (v) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;

/**
 * AssemblyScript, WASM SIMD: `ways` i32x4 vectors (4 * ways consecutive suffixes) per
 * step; `select` computes Ch and Maj with v128.bitselect. Measured in CPU time under
 * Node: one vector with bitselect is the fastest (about 2% over two vectors).
 */
export function emitAssemblyScript(ways = 1, opts = { select: true }) {
  const { graph, h0, h1 } = buildGraph(opts);
  const nodes = reachable(graph, [h0, h1]);
  const pre = [];
  const body = [];
  const splat = new Set();
  const sref = (n) => (n.kind === "num" ? hex(n.value) : `p${n.id}`);
  for (const n of nodes.filter((x) => x.kind === "pre")) {
    if (n.op === "input")
      pre.push(`  const p${n.id}: u32 = load<u32>(PARAMS, ${4 * +n.name.slice(1)});`);
    else pre.push(`  const p${n.id}: u32 = ${scalarExpr(n, sref, "as")};`);
  }
  for (const n of nodes.filter((x) => x.kind === "vec")) {
    for (const a of n.args) if (a.kind === "pre") splat.add(a.id);
  }
  for (const id of splat) pre.push(`  const s${id} = i32x4.splat(p${id});`);
  const vecs = nodes.filter((x) => x.kind === "vec");
  for (const n of vecs) {
    for (let w = 0; w < ways; w++) {
      const ref = (a) =>
        a.kind === "vec"
          ? `v${a.id}_${w}`
          : a.kind === "pre"
            ? `s${a.id}`
            : `i32x4.splat(${hex(a.value)})`;
      const expr =
        n.op === "input"
          ? `v128.load(ptr, ${16 * w})`
          : n.op === "add"
            ? n.args.map(ref).reduce((x, y) => `i32x4.add(${x}, ${y})`)
            : n.op === "xor"
              ? n.args.map(ref).reduce((x, y) => `v128.xor(${x}, ${y})`)
              : n.op === "and"
                ? `v128.and(${ref(n.args[0])}, ${ref(n.args[1])})`
                : n.op === "sel"
                  ? `v128.bitselect(${ref(n.args[1])}, ${ref(n.args[2])}, ${ref(n.args[0])})`
                  : n.op === "rotr"
                    ? `v128.or(i32x4.shr_u(${ref(n.args[0])}, ${n.n}), i32x4.shl(${ref(n.args[0])}, ${32 - n.n}))`
                    : `i32x4.shr_u(${ref(n.args[0])}, ${n.n})`;
      body.push(`    const v${n.id}_${w} = ${expr};`);
    }
  }
  const checks = [];
  for (let w = 0; w < ways; w++) {
    checks.push(
      `    if (v128.any_true(i32x4.le_u(v${h0.id}_${w}, limit))) {`,
      `      const lane = firstBelow(v${h0.id}_${w}, v${h1.id}_${w}, t0, t1);`,
      `      if (lane >= 0) return s + ${4 * w} + lane;`,
      `    }`,
    );
  }
  return `// GENERATED by build/gen-kernel.mjs: do not edit.
const TABLE = memory.data(${4 * 10000}, 16);
const PARAMS = memory.data(64, 16);

/** Where the host writes the 10000 suffix words (layout.ts suffixTable). */
export function tablePtr(): usize { return TABLE; }
/** Where the host writes W0..W7 and the threshold words. */
export function paramsPtr(): usize { return PARAMS; }

function below(h0: u32, h1: u32, t0: u32, t1: u32): bool {
  return h0 < t0 || (h0 == t0 && h1 < t1);
}

function firstBelow(h0: v128, h1: v128, t0: u32, t1: u32): i32 {
  if (below(i32x4.extract_lane(h0, 0) as u32, i32x4.extract_lane(h1, 0) as u32, t0, t1)) return 0;
  if (below(i32x4.extract_lane(h0, 1) as u32, i32x4.extract_lane(h1, 1) as u32, t0, t1)) return 1;
  if (below(i32x4.extract_lane(h0, 2) as u32, i32x4.extract_lane(h1, 2) as u32, t0, t1)) return 2;
  if (below(i32x4.extract_lane(h0, 3) as u32, i32x4.extract_lane(h1, 3) as u32, t0, t1)) return 3;
  return -1;
}

/** The smallest suffix in [from, to) (multiples of ${4 * ways}) that solves, or -1. */
export function scan(from: u32, to: u32): i32 {
  const t0 = load<u32>(PARAMS, 32);
  const t1 = load<u32>(PARAMS, 36);
  const limit = i32x4.splat(t0);
${pre.join("\n")}
  for (let s = from; s < to; s += ${4 * ways}) {
    const ptr = TABLE + (s << 2);
${body.join("\n")}
${checks.join("\n")}
  }
  return -1;
}

export const LANES: i32 = ${4 * ways};
`;
}

function scalarExpr(n, ref, lang) {
  const args = n.args.map(ref);
  if (n.op === "add") return lang === "as" ? args.join(" + ") : `(${args.join(" + ")}) | 0`;
  if (n.op === "xor") return args.join(" ^ ");
  if (n.op === "and") return args.join(" & ");
  if (n.op === "shr") return `${args[0]} >>> ${n.n}`;
  // rotr
  return lang === "as"
    ? `rotr<u32>(${args[0]}, ${n.n})`
    : `(${args[0]} >>> ${n.n}) | (${args[0]} << ${32 - n.n})`;
}

/** Scalar TypeScript with the same folding, one nonce per step. */
export function emitTypeScript() {
  const { graph, h0, h1 } = buildGraph();
  const nodes = reachable(graph, [h0, h1]);
  const ref = (n) => (n.kind === "num" ? `${n.value | 0}` : `x${n.id}`);
  const pre = [];
  const body = [];
  for (const n of nodes) {
    if (n.kind === "num") continue;
    const out = n.kind === "pre" ? pre : body;
    const indent = n.kind === "pre" ? "  " : "    ";
    if (n.op === "input") {
      out.push(
        n.kind === "pre"
          ? `${indent}const x${n.id} = w[${+n.name.slice(1)}]! | 0;`
          : `${indent}const x${n.id} = table[s]! | 0;`,
      );
    } else out.push(`${indent}const x${n.id} = ${scalarExpr(n, ref, "ts")};`);
  }
  return `// GENERATED by build/gen-kernel.mjs: do not edit.

/**
 * The smallest suffix in [from, to) whose nonce solves, or -1. \`w\` holds W0..W7 of the
 * message (layout.ts), \`table\` the suffix words, t0/t1 the threshold's high/low words.
 */
// prettier-ignore
export function scanScalar(w: ArrayLike<number>, table: Uint32Array, t0: number, t1: number, from: number, to: number): number {
${pre.join("\n")}
  for (let s = from; s < to; s++) {
${body.join("\n")}
    const h0 = ${ref(h0)} >>> 0;
    if (h0 <= t0) {
      const h1 = ${ref(h1)} >>> 0;
      if (h0 < t0 || h1 < t1) return s;
    }
  }
  return -1;
}
`;
}
