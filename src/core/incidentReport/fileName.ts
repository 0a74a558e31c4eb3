/** `incident-report-YYYYMMDD-HHMMSS.md` in UTC, so reports sort by time and never depend on the machine's zone. */
export function reportFileName(at: Date): string {
  const t = Number.isFinite(at.getTime()) ? at : new Date(0);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const date = `${p(t.getUTCFullYear(), 4)}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}`;
  const time = `${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}`;
  return `incident-report-${date}-${time}.md`;
}

export const REPORT_FILE_PATTERN = /^incident-report-\d{8}-\d{6}\.md$/;
