import type { InputFormat } from '../core/parse/input';
import { INPUT_FORMATS } from '../core/parse/input';
import type { Thresholds } from '../core/thresholds';
import { DEFAULT_THRESHOLDS, validateThresholds } from '../core/thresholds';

export class UsageError extends Error {}

export interface TriageArgs {
  command: 'triage';
  json: boolean;
  format: InputFormat;
  thresholds: Thresholds;
  files: string[];
}

export type CliArgs = TriageArgs | { command: 'help' } | { command: 'version' };

export const USAGE = `usage: pf-incident triage [--json] [--format auto|events|alertmanager|log] [--risk-low N] [--risk-high N]
                          [--risk-monitor N] [--misses N] [--bot-risk N] [--bot-misses N] [FILE ...]

Triage Provability-Fabric GuardTrip events with the incident-response playbook's decision tree.
Reads each FILE (standard input when none is given, or for -) and prints one row per incident,
or one JSON object per line with --json.

  --format F        auto (default), events (GuardTrip JSON lines), alertmanager (webhook JSON), log (incident-bot logs)
  --risk-low N      flowchart "Low Risk < N" (default ${DEFAULT_THRESHOLDS.riskLow})
  --risk-high N     flowchart "High Risk > N" (default ${DEFAULT_THRESHOLDS.riskHigh})
  --risk-monitor N  risk-table boundary between Investigate and Monitor (default ${DEFAULT_THRESHOLDS.riskMonitor})
  --misses N        flowchart heartbeat-miss threshold (default ${DEFAULT_THRESHOLDS.missThreshold})
  --bot-risk N      the incident-bot's RISK_SCORE_THRESHOLD (default ${DEFAULT_THRESHOLDS.botRiskThreshold})
  --bot-misses N    the incident-bot's HEARTBEAT_MISSES_THRESHOLD (default ${DEFAULT_THRESHOLDS.botMissThreshold})

Exit status: 0 when the input was read (even with invalid events), 2 on a usage error or an unreadable file.`;

const NUMERIC: Record<string, keyof Thresholds> = {
  '--risk-low': 'riskLow',
  '--risk-high': 'riskHigh',
  '--risk-monitor': 'riskMonitor',
  '--misses': 'missThreshold',
  '--bot-risk': 'botRiskThreshold',
  '--bot-misses': 'botMissThreshold',
};

function printable(s: string): string {
  return JSON.stringify(s.length > 60 ? s.slice(0, 60) + '…' : s);
}

export function parseArgs(argv: readonly string[]): CliArgs {
  if (argv.length === 0) throw new UsageError('missing command (expected "triage"); see --help');
  const [cmd, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') return { command: 'help' };
  if (cmd === '--version' || cmd === '-V') return { command: 'version' };
  if (cmd !== 'triage') throw new UsageError(`unknown command ${printable(cmd ?? '')} (expected "triage"); see --help`);

  const thresholds: Thresholds = { ...DEFAULT_THRESHOLDS };
  let json = false;
  let format: InputFormat = 'auto';
  const files: string[] = [];
  let optionsDone = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (optionsDone || a === '-' || !a.startsWith('-')) {
      files.push(a);
      continue;
    }
    if (a === '--') {
      optionsDone = true;
      continue;
    }
    if (a === '--help' || a === '-h') return { command: 'help' };
    if (a === '--json') {
      json = true;
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq === -1 ? a : a.slice(0, eq);
    const takeValue = (): string => {
      if (eq !== -1) return a.slice(eq + 1);
      const v = rest[i + 1];
      if (v === undefined) throw new UsageError(`${name} needs a value`);
      i++;
      return v;
    };
    if (name === '--format') {
      const v = takeValue();
      if (!(INPUT_FORMATS as readonly string[]).includes(v)) {
        throw new UsageError(`--format must be one of ${INPUT_FORMATS.join(', ')}, got ${printable(v)}`);
      }
      format = v as InputFormat;
      continue;
    }
    const key = NUMERIC[name];
    if (key) {
      const v = takeValue();
      const n = v.trim() === '' ? NaN : Number(v);
      if (!Number.isFinite(n)) throw new UsageError(`${name} must be a number, got ${printable(v)}`);
      thresholds[key] = n;
      continue;
    }
    throw new UsageError(`unknown option ${printable(name)}; see --help`);
  }
  const problems = validateThresholds(thresholds);
  if (problems.length) throw new UsageError(`invalid thresholds: ${problems.join('; ')}`);
  return { command: 'triage', json, format, thresholds, files: files.length ? files : ['-'] };
}
