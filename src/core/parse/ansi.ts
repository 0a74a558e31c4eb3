// CSI sequences (colours, cursor moves) and two-byte escapes; NestJS only emits SGR colours, but pasted
// terminal output may carry others.
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]/g;

export function stripAnsi(s: string): string {
  return s.includes('\x1b') ? s.replace(ANSI, '') : s;
}

/** Removes C0 controls (except tab) and bidi overrides so hostile text cannot disguise itself in the UI. */
export function sanitizeText(s: string): string {
  return s.replace(
    /[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
