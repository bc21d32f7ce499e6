/** A progress bar; without a known fraction it runs as an indeterminate stripe. */
export function Progress({ value, label }: { value?: number; label: string }) {
  const known = value !== undefined && value > 0 && value <= 1;
  const pct = known ? Math.round(value * 100) : undefined;
  return (
    <div
      class={`progress${known ? '' : ' progress-indeterminate'}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
    >
      <div class="progress-bar" style={known ? { width: `${pct}%` } : undefined} />
    </div>
  );
}
