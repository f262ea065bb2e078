import { describe, expect, it } from 'vitest';
import { progressBar } from '../../cli/progress.ts';

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  const stream = { isTTY, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('the progress bar', () => {
  it('draws bytes done of the total on a terminal, with events above it', () => {
    const { stream, written } = fakeStream(true);
    const bar = progressBar('Uploading', 2_000_000, stream);
    bar.update(1_000_000);
    bar.log('  Unpacking started');
    bar.stop();
    const output = written.join('');
    expect(output).toContain('Uploading [###############---------------] 50% 1.0 MB/2.0 MB');
    expect(output).toContain('  Unpacking started\n');
    expect(output.endsWith('\n')).toBe(true);
  });

  it('writes nothing but the events when stderr is not a terminal (a pipe or a log file)', () => {
    const { stream, written } = fakeStream(false);
    const bar = progressBar('Uploading', 100, stream);
    bar.update(50);
    bar.log('  Unpacking started');
    bar.stop();
    expect(written).toEqual(['  Unpacking started\n']);
  });
});
