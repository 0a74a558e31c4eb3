/** A number as the bot printed it with String(n); empty text is not 0 (Number('') would say so). */
export function logNumber(s: string): number {
  const t = s.trim();
  return t === '' ? NaN : Number(t);
}

/** JS `parseFloat` / `parseInt` exactly as the incident-bot applies them to Alertmanager labels. */
export function botParseFloat(v: unknown): number {
  return parseFloat(String(v));
}

export function botParseInt(v: unknown): number {
  // The bot calls parseInt without a radix; "0x10" becomes 16 and "3.9" becomes 3, and we must do the same.
  return parseInt(String(v));
}
