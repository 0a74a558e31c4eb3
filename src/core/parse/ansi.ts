/**
 * Removes ANSI escape sequences (CSI such as colours, and two-byte escapes). Hand-written rather than a regex
 * replace: every line of a coloured NestJS log goes through here.
 */
export function stripAnsi(s: string): string {
  let i = s.indexOf('\x1b');
  if (i === -1) return s;
  let out = '';
  let last = 0;
  const n = s.length;
  while (i !== -1) {
    out += s.slice(last, i);
    let j = i + 1;
    if (j < n && s.charCodeAt(j) === 91 /* [ */) {
      j++;
      // Parameter and intermediate bytes are below 0x40; the final byte is in 0x40..0x7e.
      while (j < n) {
        const c = s.charCodeAt(j++);
        if (c >= 0x40 && c <= 0x7e) break;
      }
    } else if (j < n) {
      j++;
    }
    last = j;
    i = s.indexOf('\x1b', j);
  }
  return out + s.slice(last);
}

/** Removes C0 controls (except tab) and bidi overrides so hostile text cannot disguise itself in the UI. */
export function sanitizeText(s: string): string {
  return s.replace(
    /[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
