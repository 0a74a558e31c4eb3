/**
 * POSIX shell quoting for the copyable kubectl lines. Anything not plainly safe is wrapped in single quotes, inside
 * which no character is special to any POSIX shell; an embedded single quote becomes '\'' (close, escaped quote,
 * reopen). Plainly safe words stay bare so the lines look like the ones in the playbook.
 */
const BARE = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** A first word like `A=b` would be a variable assignment, not a command. */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

export function shellQuote(arg: string): string {
  if (arg.length > 0 && BARE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map((a, i) => (i === 0 && ASSIGNMENT.test(a) ? `'${a}'` : shellQuote(a))).join(' ');
}

/**
 * Text for a command's stdin as `printf '%s\n' 'line 1' 'line 2' |`: printf repeats its format for every argument,
 * so a multi-line manifest still fits on one shell line, each line quoted on its own.
 */
export function printfPipe(text: string): string {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return `printf '%s\\n' ${lines.map((l) => `'${l.replace(/'/g, `'\\''`)}'`).join(' ')} |`;
}
