//! A plain, synchronous SHA-256 for messages of one block (at most 55 bytes), the
//! reference the fast kernels are tested against. Hand-written because the
//! platform's crypto.subtle is asynchronous (one await per hash is what made the
//! reference board's solver slow) and a full hashing library buys nothing here.

import { type Threshold } from "./layout";

const K = Uint32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/** SHA-256 of a message of at most 55 bytes. */
export function sha256OneBlock(message: Uint8Array): Uint8Array {
  if (message.length > 55) throw new RangeError("message does not fit one SHA-256 block");
  const block = new Uint8Array(64);
  block.set(message);
  block[message.length] = 0x80;
  const view = new DataView(block.buffer);
  view.setUint32(60, message.length * 8);
  const w = new Uint32Array(64);
  for (let t = 0; t < 16; t++) w[t] = view.getUint32(4 * t);
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15]!;
    const y = w[t - 2]!;
    const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
    const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
    w[t] = w[t - 16]! + s0 + w[t - 7]! + s1;
  }
  let [a, b, c, d, e, f, g, h] = IV as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  for (let t = 0; t < 64; t++) {
    const t1 =
      (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  [a, b, c, d, e, f, g, h].forEach((v, i) => outView.setUint32(4 * i, (v + IV[i]!) >>> 0));
  return out;
}

/** SHA-256(challenge || byte(index) || nonce), the digest a sub-puzzle is judged by. */
export function powDigest(challenge: Uint8Array, index: number, nonce: string): Uint8Array {
  const message = new Uint8Array(challenge.length + 1 + nonce.length);
  message.set(challenge);
  message[challenge.length] = index;
  for (let j = 0; j < nonce.length; j++) message[challenge.length + 1 + j] = nonce.charCodeAt(j);
  return sha256OneBlock(message);
}

/** Whether the first 8 digest bytes, big-endian, are below the threshold. */
export function digestSolves(digest: Uint8Array, t: Threshold): boolean {
  const view = new DataView(digest.buffer, digest.byteOffset, 8);
  return view.getBigUint64(0) < t.value;
}
