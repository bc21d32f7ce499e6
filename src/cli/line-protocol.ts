/** The escaping of the otr-peer line contract: newline, tab and backslash as \n, \t, \\. */
export function escapeField(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
}

export function unescapeField(text: string): string {
  return text.replace(/\\(\\|n|t|r)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : '\\'));
}
