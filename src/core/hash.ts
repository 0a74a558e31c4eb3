/** 64-bit FNV-1a as 16 hex digits: stable ids without a crypto dependency (the core also runs in the webview). */
export function fnv1a64(s: string): string {
  let h1 = 0x84222325;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < s.length; i++) {
    h1 = (h1 ^ s.charCodeAt(i)) >>> 0;
    // Multiply the 64-bit state by the FNV prime 0x100000001b3, split into 32-bit halves.
    const l = h1 * 0x1b3;
    const h = h2 * 0x1b3 + (h1 << 8) + Math.floor(l / 0x100000000);
    h1 = l >>> 0;
    h2 = h >>> 0;
  }
  return h2.toString(16).padStart(8, '0') + h1.toString(16).padStart(8, '0');
}
