import { printfPipe, shellJoin, shellQuote } from './shellQuote';

/**
 * One kubectl run: argv without any shell in between, optional stdin (manifests, SQL), and the playbook's
 * `| grep X` kept as data so the extension filters in-process and only the copyable line uses grep.
 */
export interface KubectlInvocation {
  argv: readonly string[];
  stdin?: string;
  /** Keep only output lines containing this literal text. */
  grep?: string;
}

/** The copyable form: `printf … | kubectl … | grep -F -e '…'`, every word quoted. */
export function invocationLine(inv: KubectlInvocation): string {
  let line = shellJoin(inv.argv);
  if (inv.stdin !== undefined) line = `${printfPipe(inv.stdin)} ${line}`;
  // -F: the pattern is text, not a regex; -e: a pattern starting with "-" is not an option.
  if (inv.grep !== undefined) line += ` | grep -F -e ${shellQuote(inv.grep)}`;
  return line;
}

/**
 * Several runs on one line. Read-only steps continue past a failure (`;`: a forbidden list should not hide the
 * next one); changing steps stop at the first failure (`&&`).
 */
export function invocationsLine(invs: readonly KubectlInvocation[], changing: boolean): string {
  return invs.map(invocationLine).join(changing ? ' && ' : '; ');
}

/** Filters output the way `grep -F` would, for runs executed without a shell. */
export function applyGrep(output: string, grep: string | undefined): string {
  if (grep === undefined) return output;
  return output
    .split('\n')
    .filter((l) => l.includes(grep))
    .join('\n');
}
