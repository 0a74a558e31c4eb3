import { execFileSync } from 'node:child_process';

/** What a real POSIX shell makes of a line: runs it with `kubectl` (and grep) replaced by argv printers. */
export function shellArgs(line: string): string[] {
  const script = `kubectl() { for a in "$@"; do printf '%s\\0' "$a"; done; }\n${line}`;
  const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

/** Runs `printf … | cat` style lines and returns stdout. */
export function shellOutput(line: string): string {
  return execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8' });
}

/** Strings a process argument can carry through UTF-8 exec: no NUL, no unpaired surrogates. */
export function execable(s: string): boolean {
  return !s.includes('\u0000') && !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}
