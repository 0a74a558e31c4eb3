import { redactSecrets } from './redact';

/**
 * Escaping for values placed inline in the report. The report is read in VS Code's Markdown preview (markdown-it
 * with HTML, math and linkify on) and on GitHub, so a value must not open a tag, a link, an image, a code span,
 * emphasis, math, a table cell or a new block, and must not hide itself with controls or bidi overrides.
 */
const LINE_BREAKS = /\r\n|[\r\n\u0085\u2028\u2029]/g;
const INVISIBLE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const MD_PUNCT = /[\\`*_[\]|~$]/g;

export function mdText(value: string): string {
  return (
    redactSecrets(value)
      .replace(LINE_BREAKS, ' ⏎ ')
      .replace(/\t/g, ' ')
      .replace(INVISIBLE, (c) => `‹U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}›`)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(MD_PUNCT, (c) => `\\${c}`)
      // Linkify (VS Code's preview, GitHub) would turn an attacker's URL or address into a link; an entity splits it.
      .replace(/:\/\//g, '&#58;//')
      .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}&#46;`)
      .replace(/@/g, '&#64;')
  );
}

/** A code span for identifiers we validated (hashes, names); anything else falls back to escaped text. */
export function mdCode(value: string): string {
  return /^[A-Za-z0-9:._/@+=-]+$/.test(value) ? `\`${value}\`` : mdText(value);
}

function encodePath(p: string): string {
  return p
    .split('/')
    .map((seg) => encodeURIComponent(seg).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** Relative, inside the report's folder: no absolute paths, "..", backslashes or control characters. */
export function isSafeRelativeLink(p: string): boolean {
  if (p.length === 0 || p.length > 300 || p.startsWith('/') || p.includes('\\')) return false;
  if (/[\u0000-\u001f\u007f]/.test(p) || /^[a-z][a-z0-9+.-]*:/i.test(p)) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** A link only to a safe relative path or an http(s) URL without credentials; otherwise just the escaped label. */
export function mdLink(label: string, target: string): string {
  const text = mdText(label);
  if (isSafeRelativeLink(target)) return `[${text}](${encodePath(target)})`;
  let url: URL | null;
  try {
    url = new URL(target);
  } catch {
    url = null;
  }
  if (url && (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password) {
    const href = url.href.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    return `[${text}](${href})`;
  }
  return text;
}

export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
