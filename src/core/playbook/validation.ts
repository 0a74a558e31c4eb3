/**
 * Checks for values that reach kubectl argv, a shell line, SQL, Markdown or Slack. Each check returns a one-line
 * error naming the field and the offending character by code point; the value itself is never echoed raw, since a
 * newline or a bidi override in an error message is itself an injection. Nothing here throws.
 */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = <T>(error: string): Checked<T> => ({ ok: false, error });

export const CAPSULE_HASH_PATTERN = /^sha256:[a-f0-9]{64}$/;
export const RELEASE_HASH_PATTERN = /^[a-f0-9]{64}$/;
/** Ledger tenant ids are cuids; upstream tests also use `test-tenant-123` and `e2e-test-tenant-<epoch>`. */
const TENANT_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export const LIMITS = Object.freeze({
  tenantId: 128,
  dnsLabel: 63,
  dnsSubdomain: 253,
  labelValue: 63,
  envValue: 1024,
  text: 4096,
});

/** `U+202E (RIGHT-TO-LEFT OVERRIDE)`-style names for the characters we reject most often. */
const CHAR_NAMES: Readonly<Record<number, string>> = {
  0x00: 'NUL',
  0x07: 'BEL',
  0x08: 'backspace',
  0x09: 'tab',
  0x0a: 'line feed',
  0x0d: 'carriage return',
  0x1b: 'escape',
  0x7f: 'DEL',
  0x85: 'next line',
  0x200b: 'zero width space',
  0x200e: 'left-to-right mark',
  0x200f: 'right-to-left mark',
  0x2028: 'line separator',
  0x2029: 'paragraph separator',
  0x202a: 'left-to-right embedding',
  0x202b: 'right-to-left embedding',
  0x202c: 'pop directional formatting',
  0x202d: 'left-to-right override',
  0x202e: 'right-to-left override',
  0x2066: 'left-to-right isolate',
  0x2067: 'right-to-left isolate',
  0x2068: 'first strong isolate',
  0x2069: 'pop directional isolate',
  0xfeff: 'byte order mark',
};

export function codePointName(cp: number): string {
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = CHAR_NAMES[cp];
  if (name) return `${hex} (${name})`;
  if (cp >= 0x20 && cp < 0x7f) return `'${String.fromCharCode(cp)}' (${hex})`;
  return hex;
}

function isControl(cp: number): boolean {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp === 0x2028 || cp === 0x2029;
}

function isInvisible(cp: number): boolean {
  return (
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x2069) ||
    cp === 0xfeff ||
    (cp >= 0xd800 && cp <= 0xdfff)
  );
}

const SHELL_META = new Set([...';&|`$(){}<>*?[]!#~\\"\'']);
const SQL_QUOTES = new Set([...'\'";']);
const MARKUP = new Set([...'<>[]()`*_|&!']);

export type Hazard = 'control' | 'invisible' | 'path' | 'shell' | 'sql' | 'markup' | 'space' | 'dash';

/**
 * The first thing wrong with a value for a context where only `allowed` characters matter; ordered so the most
 * alarming finding is the one reported (a bidi override before a stray space).
 */
export function findHazard(value: string): { hazard: Hazard; message: string } | null {
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (isControl(cp)) return { hazard: 'control', message: `contains the control character ${codePointName(cp)}` };
  }
  for (const ch of value) {
    // for..of yields a paired surrogate as one code point >= 0x10000, so only unpaired halves land in the range.
    const cp = ch.codePointAt(0) ?? 0;
    if (isInvisible(cp)) {
      const what = cp >= 0xd800 && cp <= 0xdfff ? 'an unpaired surrogate' : 'the invisible or bidi character';
      return { hazard: 'invisible', message: `contains ${what} ${codePointName(cp)}` };
    }
  }
  if (/(^|[\\/])\.\.([\\/]|$)/.test(value)) return { hazard: 'path', message: 'contains a "../" path segment' };
  for (const ch of value) {
    if (SHELL_META.has(ch)) {
      const cp = ch.charCodeAt(0);
      const kind = SQL_QUOTES.has(ch)
        ? 'a shell/SQL quote or separator'
        : MARKUP.has(ch)
          ? 'a shell/Markdown/HTML metacharacter'
          : 'a shell metacharacter';
      return {
        hazard: SQL_QUOTES.has(ch) ? 'sql' : MARKUP.has(ch) ? 'markup' : 'shell',
        message: `contains ${kind} ${codePointName(cp)}`,
      };
    }
  }
  if (/\s/.test(value)) return { hazard: 'space', message: 'contains whitespace' };
  if (value.startsWith('-')) {
    return { hazard: 'dash', message: 'starts with "-" (would be read as a command-line option)' };
  }
  return null;
}

/** Code points, not UTF-16 units: an emoji is one character to the engineer reading the error. */
function length(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

function common(field: string, value: unknown, max: number): Checked<string> {
  if (typeof value !== 'string') return fail(`${field}: expected text, got ${value === null ? 'null' : typeof value}`);
  if (value.length === 0) return fail(`${field}: must not be empty`);
  const n = length(value);
  if (n > max) return fail(`${field}: is ${n} characters long, at most ${max} allowed`);
  const h = findHazard(value);
  if (h) return fail(`${field}: ${h.message}`);
  return ok(value);
}

function pattern(field: string, value: string, re: RegExp, expected: string): Checked<string> {
  return re.test(value) ? ok(value) : fail(`${field}: must be ${expected}`);
}

export function checkCapsuleHash(value: unknown, field = 'capsule hash'): Checked<string> {
  const c = common(field, value, 71);
  if (!c.ok) return c;
  if (RELEASE_HASH_PATTERN.test(c.value)) {
    return fail(`${field}: add the "sha256:" prefix (the Rollback CRD wants sha256:<64 hex>)`);
  }
  if (!CAPSULE_HASH_PATTERN.test(c.value) && /^sha256:[A-Fa-f0-9]{64}$/.test(c.value)) {
    return fail(`${field}: hex digits must be lowercase (sha256:<64 lowercase hex>)`);
  }
  return pattern(field, c.value, CAPSULE_HASH_PATTERN, '"sha256:" followed by 64 lowercase hex digits');
}

export function checkReleaseHash(value: unknown, field = 'target release'): Checked<string> {
  const c = common(field, value, 64);
  if (!c.ok) return c;
  return pattern(
    field,
    c.value,
    RELEASE_HASH_PATTERN,
    '64 lowercase hex digits (the Rollback CRD pattern ^[a-f0-9]{64}$)',
  );
}

export function checkTenantId(value: unknown, field = 'tenant id'): Checked<string> {
  const c = common(field, value, LIMITS.tenantId);
  if (!c.ok) return c;
  return pattern(
    field,
    c.value,
    TENANT_PATTERN,
    'letters, digits, ".", "_" or "-", starting and ending with a letter or digit',
  );
}

/** Namespaces, container names and label-like names: RFC 1123 label. */
export function checkDnsLabel(value: unknown, field = 'name'): Checked<string> {
  const c = common(field, value, LIMITS.dnsLabel);
  if (!c.ok) return c;
  return pattern(
    field,
    c.value,
    DNS1123_LABEL,
    'lowercase letters, digits and "-", starting and ending with a letter or digit (RFC 1123 label)',
  );
}

/** Deployment, ConfigMap and custom resource names: RFC 1123 subdomain. */
export function checkResourceName(value: unknown, field = 'name'): Checked<string> {
  const c = common(field, value, LIMITS.dnsSubdomain);
  if (!c.ok) return c;
  return pattern(
    field,
    c.value,
    DNS1123_SUBDOMAIN,
    'lowercase letters, digits, "-" and ".", starting and ending with a letter or digit (RFC 1123 subdomain)',
  );
}

export function checkNamespace(value: unknown, field = 'namespace'): Checked<string> {
  return checkDnsLabel(value, field);
}

export function checkLabelValue(value: unknown, field = 'label value'): Checked<string> {
  if (value === '') return ok('');
  const c = common(field, value, LIMITS.labelValue);
  if (!c.ok) return c;
  return pattern(
    field,
    c.value,
    LABEL_VALUE,
    'letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
  );
}

/** A label key: optional DNS-subdomain prefix and "/", then a name like a label value. */
export function checkLabelKey(value: unknown, field = 'label key'): Checked<string> {
  const c = common(field, value, LIMITS.dnsSubdomain + 1 + LIMITS.labelValue);
  if (!c.ok) return c;
  const slash = c.value.lastIndexOf('/');
  const prefix = slash >= 0 ? c.value.slice(0, slash) : null;
  const name = slash >= 0 ? c.value.slice(slash + 1) : c.value;
  if (prefix !== null && !(prefix.length <= LIMITS.dnsSubdomain && DNS1123_SUBDOMAIN.test(prefix))) {
    return fail(`${field}: the prefix before "/" must be a DNS subdomain`);
  }
  if (name === '' || name.length > LIMITS.labelValue || !LABEL_VALUE.test(name)) {
    return fail(
      `${field}: the name must be 1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`,
    );
  }
  return ok(c.value);
}

export function checkEnvName(value: unknown, field = 'env var name'): Checked<string> {
  const c = common(field, value, 256);
  if (!c.ok) return c;
  return pattern(field, c.value, ENV_NAME, 'a letter or "_" followed by letters, digits or "_"');
}

/** Env values only reach JSON patches, never a shell word unquoted; still no controls, no bidi, bounded. */
export function checkEnvValue(value: unknown, field = 'env var value'): Checked<string> {
  if (value === '') return ok('');
  if (typeof value !== 'string') return fail(`${field}: expected text, got ${value === null ? 'null' : typeof value}`);
  const n = length(value);
  if (n > LIMITS.envValue) return fail(`${field}: is ${n} characters long, at most ${LIMITS.envValue} allowed`);
  const h = findHazard(value);
  if (h && (h.hazard === 'control' || h.hazard === 'invisible')) return fail(`${field}: ${h.message}`);
  return ok(value);
}

export function checkReplicas(value: unknown, field = 'replicas'): Checked<number> {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 10_000) {
    return fail(`${field}: must be a whole number from 0 to 10000`);
  }
  return ok(value);
}

/**
 * RISK_SCORE_THRESHOLD as the bot will read it: a string compared with `>=`. Returned in canonical decimal form
 * (`0.85`, never `8.5e-1` or `.85`), so what the engineer reads is exactly what JS coerces.
 */
export function checkRiskThreshold(value: unknown, field = 'RISK_SCORE_THRESHOLD'): Checked<string> {
  const n = typeof value === 'string' && /^\s*(?:\d+(?:\.\d+)?|\.\d+)\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1) {
    return fail(`${field}: must be a number from 0 to 1 (the bot compares riskScore >= this value)`);
  }
  return ok(String(n));
}

/** A host the attestor can be asked to reach: DNS name or IPv4 only, so it can never be an option or a URL. */
export function checkHost(value: unknown, field = 'capsule endpoint'): Checked<string> {
  const c = common(field, value, LIMITS.dnsSubdomain);
  if (!c.ok) return c;
  const v = c.value.toLowerCase();
  if (IPV4.test(v) || DNS1123_SUBDOMAIN.test(v)) return ok(v);
  return fail(`${field}: must be a host name (letters, digits, "-" and ".") or an IPv4 address`);
}

/** Free text (an engineer's note, a reason): any printable text, no controls or bidi tricks, bounded. */
export function checkFreeText(value: unknown, field = 'text', max: number = LIMITS.text): Checked<string> {
  if (typeof value !== 'string') return fail(`${field}: expected text, got ${value === null ? 'null' : typeof value}`);
  const n = length(value);
  if (n > max) return fail(`${field}: is ${n} characters long, at most ${max} allowed`);
  const h = findHazard(value);
  if (h && (h.hazard === 'control' || h.hazard === 'invisible')) return fail(`${field}: ${h.message}`);
  return ok(value);
}

/** A short, escaped preview of a rejected value for logs: controls and bidi shown as \\uXXXX, capped. */
export function preview(value: string, max = 40): string {
  let out = '';
  let n = 0;
  for (const ch of value) {
    if (n++ >= max) return `${out}…`;
    const cp = ch.codePointAt(0) ?? 0;
    out += isControl(cp) || isInvisible(cp) ? `\\u${cp.toString(16).padStart(4, '0')}` : ch;
  }
  return out;
}
