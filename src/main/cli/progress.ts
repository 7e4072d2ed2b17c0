import cliProgress from 'cli-progress';
import type { Progress } from '../../shared/progress';

const label = (p: Progress) => [p.phase, p.message].filter(Boolean).join(' · ');

/** The command line's view of a long call's progress: a bar on stderr when a person is watching; silent when piped. */
export function progressBar(): { update(p: Progress): void; stop(): void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  let bar: cliProgress.SingleBar | null = null;
  return {
    update(p) {
      if (p.total === null) return;
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: ` {bar} {percentage}% | {value}/{total} {message} | ETA {eta_formatted}`,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.total, 0, { message: label(p) });
      } else if (bar.getTotal() !== p.total) {
        // A call with phases (check, then apply) counts each phase in its own units.
        bar.setTotal(p.total);
      }
      bar.update(p.done, { message: label(p) });
    },
    stop() {
      bar?.stop();
    },
  };
}
