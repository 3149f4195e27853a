/**
 * A one-line progress display on standard error, only when it is a terminal: rows, rows
 * per second, bytes read of the total, and time left. Redrawn at most four times a second.
 */
export interface Progress {
  row(): void;
  /** Many rows at once (the fast replay counts per batch). */
  rows(n: number): void;
  bytes(n: number): void;
  done(): void;
}

const NO_PROGRESS: Progress = { row() {}, rows() {}, bytes() {}, done() {} };

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

export function createProgress(enabled: boolean, totalBytes: number | undefined, write: (text: string) => void): Progress {
  if (!enabled) return NO_PROGRESS;
  const started = performance.now();
  let rows = 0;
  let bytes = 0;
  let lastDraw = 0;
  const draw = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(rows / seconds) : 0;
    let text = `\r${rows.toLocaleString('en-US')} rows  ${rate.toLocaleString('en-US')} rows/s  ${mb(bytes)}`;
    if (totalBytes) {
      const fraction = Math.min(1, bytes / totalBytes);
      text += ` of ${mb(totalBytes)} (${Math.floor(fraction * 100)}%)`;
      if (fraction > 0.01) text += `  ${Math.max(0, Math.round((seconds * (1 - fraction)) / fraction))}s left`;
    }
    write(`${text}\u001b[K`);
  };
  return {
    row() {
      rows++;
      if ((rows & 0x3fff) === 0) {
        const now = performance.now();
        if (now - lastDraw > 250) {
          lastDraw = now;
          draw();
        }
      }
    },
    rows(n) {
      rows += n;
      const now = performance.now();
      if (now - lastDraw > 250) {
        lastDraw = now;
        draw();
      }
    },
    bytes(n) {
      bytes += n;
    },
    done() {
      write('\r\u001b[K');
    },
  };
}
