/**
 * A determinate progress bar, told to screen readers as a progressbar with its value and its
 * words (`aria-valuetext`); the same words are shown beside it.
 */
export function ProgressBar({ label, value, max, text }: { label: string; value: number; max: number; text: string }) {
  const percent = max <= 0 ? 0 : Math.min(100, Math.floor((value / max) * 100));
  return (
    <div className="bulk-progress">
      <div
        className="bulk-progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={text}
      >
        <div className="bulk-progress-bar" style={{ width: `${String(percent)}%` }} />
      </div>
      <p className="bulk-progress-text">{text}</p>
    </div>
  );
}
