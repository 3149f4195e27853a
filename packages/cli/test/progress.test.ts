import { describe, expect, it, vi } from 'vitest';
import { createProgress } from '../src/io/progress.js';

describe('progress display', () => {
  it('writes nothing when disabled (standard error is not a terminal, or --quiet)', () => {
    const write = vi.fn();
    const progress = createProgress(false, 1000, write);
    for (let i = 0; i < 100_000; i++) progress.row();
    progress.bytes(1000);
    progress.done();
    expect(write).not.toHaveBeenCalled();
  });

  it('shows rows, rows/s, bytes of the total and time left, then clears its line', () => {
    const lines: string[] = [];
    let now = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => now);
    try {
      const progress = createProgress(true, 4_000_000, (t) => lines.push(t));
      progress.bytes(1_000_000);
      for (let i = 0; i < 16_384; i++) {
        now += 0.1; // 16,384 rows in about 1.6 s
        progress.row();
      }
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^\r16,384 rows {2}\d[\d,]* rows\/s {2}1\.0 MB of 4\.0 MB \(25%\) {2}\ds left\u001b\[K$/);
      progress.done();
      expect(lines[1]).toBe('\r\u001b[K');
    } finally {
      clock.mockRestore();
    }
  });
});
