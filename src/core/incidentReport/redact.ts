/**
 * Secrets that must not leave the machine in a report or a Slack message: webhook URLs, Slack tokens, bearer
 * tokens, JWTs, URL credentials and `*_SECRET=`-style assignments. Applied before escaping, to every value.
 */
const RULES: readonly [RegExp, string | ((m: string, ...g: string[]) => string)][] = [
  [/https?:\/\/hooks\.slack(?:-gov)?\.com\/[^\s<>|"')\]]+/gi, '[redacted webhook URL]'],
  [/\bx(?:ox[abposre]|app)-[A-Za-z0-9-]{6,}/g, '[redacted Slack token]'],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g, '[redacted JWT]'],
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, (_m, scheme: string) => `${scheme} [redacted]`],
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, (_m, scheme: string) => `${scheme}[redacted]@`],
  [
    /\b([A-Za-z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY)[A-Za-z0-9_]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi,
    (_m, key: string, sep: string) => `${key}${sep}[redacted]`,
  ],
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const [re, rep] of RULES) out = out.replace(re, rep as string);
  return out;
}
