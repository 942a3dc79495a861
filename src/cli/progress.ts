import cliProgress from 'cli-progress';

/** How far a long step has gone. */
export interface Progress {
  update(done: number): void;
  stop(): void;
}

const SILENT: Progress = { update() {}, stop() {} };

/**
 * Whether a progress bar is drawn: on a terminal only. In a pipe, a log file or CI it would be noise, so
 * nothing is drawn there and the command's final line says what was done. A command counts the items of
 * its bar only when it is drawn: on a big table the count is itself a long read.
 */
export const showsProgress = () => process.stderr.isTTY === true && process.env.CI !== 'true';

/** A progress bar on stderr for a step of `total` items, where one is shown (see showsProgress). */
export function progressBar(label: string, total: number): Progress {
  if (!showsProgress() || total === 0) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% {value}/{total}, {eta_formatted} left`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (done) => bar.update(Math.min(done, total)), stop: () => bar.stop() };
}
