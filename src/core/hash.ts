/** 64-bit FNV-1a as 16 hex digits: stable ids without a crypto dependency (the core also runs in the webview). */
export function fnv1a64(s: string): string {
  fnvBegin();
  fnvFeed(s);
  return fnvDigest();
}

// The 64-bit state as four 16-bit limbs (v3:v2:v1:v0) so every step stays in small-integer arithmetic; the
// float version of the same multiply was four times slower, and ids are computed for every incident. Module
// state, so that a hash of several parts needs no concatenated string (fnvBegin, fnvFeed..., fnvDigest).
let v0 = 0;
let v1 = 0;
let v2 = 0;
let v3 = 0;

export function fnvBegin(): void {
  v0 = 0x2325;
  v1 = 0x8422;
  v2 = 0x9ce4;
  v3 = 0xcbf2;
}

/** Hashes `s` after what was fed since `fnvBegin`: the same as hashing the concatenation. */
export function fnvFeed(s: string): void {
  for (let i = 0; i < s.length; i++) {
    v0 ^= s.charCodeAt(i);
    // Multiply by the FNV prime 2^40 + 0x1b3: 0x1b3 times every limb, plus the state shifted left by 40 bits
    // (v0 and v1 moved up into limbs 2 and 3 with an 8-bit shift).
    const t0 = v0 * 0x1b3;
    const t1 = v1 * 0x1b3 + (t0 >>> 16);
    const t2 = v2 * 0x1b3 + (t1 >>> 16) + (v0 << 8);
    const t3 = v3 * 0x1b3 + (t2 >>> 16) + (v1 << 8);
    v0 = t0 & 0xffff;
    v1 = t1 & 0xffff;
    v2 = t2 & 0xffff;
    v3 = t3 & 0xffff;
  }
}

export function fnvDigest(): string {
  return hex4(v3) + hex4(v2) + hex4(v1) + hex4(v0);
}

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}
