/**
 * A one-line byte progress bar on stderr, drawn only when stderr is a terminal, so pipes, logs and
 * `--json` output never see it. Redraws at most ten times a second.
 */
export interface Progress {
  /** Sets the bytes done (and optionally a new total or label). */
  update(done: number, total?: number, label?: string): void;
  /** Prints a line above the bar (an event), keeping the bar below it. */
  log(line: string): void;
  stop(): void;
}

const WIDTH = 30;

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function progressBar(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const tty = stream.isTTY === true;
  const started = Date.now();
  let done = 0;
  let lastDraw = 0;
  let drawn = false;
  const draw = (force = false) => {
    if (!tty) return;
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(fraction * WIDTH);
    const rate = done / Math.max(0.001, (now - started) / 1000);
    const line = `${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${Math.floor(fraction * 100)}% ${formatBytes(done)}/${formatBytes(total)} ${formatBytes(rate)}/s`;
    stream.write(`\r\x1b[2K${line}`);
    drawn = true;
  };
  const clear = () => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  return {
    update(value, newTotal, newLabel) {
      done = value;
      if (newTotal !== undefined) total = newTotal;
      if (newLabel !== undefined && newLabel !== label) {
        label = newLabel;
        lastDraw = 0;
      }
      draw();
    },
    log(line) {
      clear();
      stream.write(`${line}\n`);
      draw(true);
    },
    stop() {
      draw(true);
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
