//! A tiny expression graph for generating the proof-of-work kernel.
//!
//! Every value is a node of one of three kinds: `num` (known when generating: round
//! constants, padding, length), `pre` (known once per nonce prefix: challenge words,
//! the state after the first rounds; computed once per kernel call, outside the
//! loop) or `vec` (different for every nonce: depends on the varying suffix word).
//! Building SHA-256 over these nodes folds `num` values at generation time, hoists
//! `pre` work out of the hot loop and shares common subexpressions; the back ends
//! in gen-kernel.mjs print the graph as AssemblyScript SIMD or as scalar TypeScript.

const u32 = (x) => x >>> 0;
const rotr = (x, n) => u32((x >>> n) | (x << (32 - n)));

export class Graph {
  constructor() {
    this.nodes = [];
    this.memo = new Map();
  }

  node(op, args, extra = {}) {
    const kind = args.some((a) => a.kind === "vec")
      ? "vec"
      : args.some((a) => a.kind === "pre")
        ? "pre"
        : "num";
    const key = `${op}(${args.map((a) => a.id).join(",")})${extra.n ?? ""}${extra.name ?? ""}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    const n = { id: this.nodes.length, op, args, kind: extra.kind ?? kind, ...extra };
    this.nodes.push(n);
    this.memo.set(key, n);
    return n;
  }

  num(value) {
    return this.node("num", [], { kind: "num", value: u32(value), name: `#${u32(value)}` });
  }

  /** An input known once per call (`pre`) or per nonce (`vec`). */
  input(name, kind) {
    return this.node("input", [], { kind, name });
  }

  /** n-ary addition: numbers are summed now, per-prefix terms are grouped into one
   * hoisted node, so the loop does one add per per-nonce term plus at most one. */
  add(...args) {
    const flat = [];
    for (const a of args) {
      if (a.op === "add" && a.kind !== "vec") flat.push(...a.args);
      else flat.push(a);
    }
    let sum = 0;
    const pre = [];
    const vec = [];
    for (const a of flat) {
      if (a.kind === "num") sum = u32(sum + a.value);
      else if (a.kind === "pre") pre.push(a);
      else vec.push(a);
    }
    const constant = sum !== 0 ? [this.num(sum)] : [];
    if (vec.length === 0) {
      const all = [...pre, ...constant];
      if (all.length === 0) return this.num(0);
      if (all.length === 1) return all[0];
      return this.node("add", sortIds(all));
    }
    const rest = [...pre, ...constant];
    let tail = [];
    if (rest.length === 1) tail = rest;
    else if (rest.length > 1) tail = [this.node("add", sortIds(rest))];
    const all = [...vec, ...tail];
    if (all.length === 1) return all[0];
    return this.node("add", all);
  }

  xor(...args) {
    const live = args.filter((a) => !(a.kind === "num" && a.value === 0));
    if (live.every((a) => a.kind === "num")) {
      return this.num(live.reduce((x, a) => x ^ a.value, 0));
    }
    if (live.length === 1) return live[0];
    return this.node("xor", sortIds(live));
  }

  and(a, b) {
    if (a.kind === "num" && b.kind === "num") return this.num(a.value & b.value);
    if ((a.kind === "num" && a.value === 0) || (b.kind === "num" && b.value === 0)) {
      return this.num(0);
    }
    return this.node("and", sortIds([a, b]));
  }

  rotr(x, n) {
    if (x.kind === "num") return this.num(rotr(x.value, n));
    return this.node("rotr", [x], { n });
  }

  shr(x, n) {
    if (x.kind === "num") return this.num(x.value >>> n);
    return this.node("shr", [x], { n });
  }
}

function sortIds(args) {
  return [...args].sort((a, b) => a.id - b.id);
}

/** The nodes `outputs` depend on, in an order where arguments come first. */
export function reachable(graph, outputs) {
  const seen = new Set();
  const stack = [...outputs];
  while (stack.length) {
    const n = stack.pop();
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    stack.push(...n.args);
  }
  return graph.nodes.filter((n) => seen.has(n.id));
}
