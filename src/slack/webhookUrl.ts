// Checks for the Slack incoming-webhook URL the engineer enters (kept in SecretStorage only). No vscode import.
import type { SlackMessage } from '../core/incidentReport/slack';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why the text is not a usable webhook URL, or null. https only (plain http only to this machine, for testing). */
export function webhookUrlProblem(v: unknown): string | null {
  if (typeof v !== 'string' || v.trim() === '') return 'Enter the webhook URL (https://hooks.slack.com/services/…).';
  if (v.length > 2048) return 'The URL is longer than 2048 characters.';
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(v)) return 'The URL contains whitespace or control characters.';
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return 'Not a URL.';
  }
  if (u.username || u.password) return 'The URL must not contain a user name or password.';
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && LOOPBACK.has(u.hostname)) return null;
  return 'The webhook URL must use https.';
}

/** An error text with the URL (and its path, which is the secret part) removed. */
export function scrubUrl(text: string, url: string): string {
  let out = text;
  const parts = [url];
  try {
    const u = new URL(url);
    if (u.pathname.length > 1) parts.push(u.pathname, u.pathname.slice(1));
  } catch {
    // Not parseable: the whole string is still removed.
  }
  for (const p of parts.sort((a, b) => b.length - a.length)) if (p) out = out.split(p).join('[webhook URL]');
  return out;
}

/** The message as the preview shows it: exactly the text of every block, in order, and the notification text. */
export function previewText(m: SlackMessage): string {
  const lines: string[] = [];
  for (const b of m.blocks) {
    if (b.type === 'header') lines.push(b.text.text, '');
    else if (b.type === 'section') {
      if (b.text) lines.push(b.text.text);
      for (const f of b.fields ?? []) lines.push(f.text.replace('\n', ': '));
      lines.push('');
    } else if (b.type === 'context') lines.push(...b.elements.map((e) => e.text), '');
  }
  lines.push(`Notification text: ${m.text}`);
  return lines.join('\n');
}
