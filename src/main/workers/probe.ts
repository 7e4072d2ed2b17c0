import { z } from 'zod';
import { AppError } from '../errors';
import type { JobStarter } from './protocol';

const probeInit = z.object({ failAt: z.enum(['start', 'input', 'end', 'crash', 'never']) });
const probeInput = z.number();

/**
 * A job that sums numbers, or fails where it is told to: how the tests (and a build's smoke check)
 * see that a worker starts in this build and that its failures come back as errors, not hangs.
 */
export const probeJob: JobStarter = (init) => {
  const parsed = probeInit.safeParse(init);
  if (!parsed.success) throw new AppError('VALIDATION', 'The probe job needs failAt.');
  const { failAt } = parsed.data;
  if (failAt === 'start') throw new Error('probe failed at start');
  let sum = 0;
  return {
    input(payload) {
      if (failAt === 'input') throw new AppError('VALIDATION', 'probe refused its input');
      // A crash that is not a throw: the thread ends without a word.
      if (failAt === 'crash') process.exit(3);
      const n = probeInput.safeParse(payload);
      if (!n.success) throw new AppError('VALIDATION', 'The probe job sums numbers only.');
      sum += n.data;
      return true;
    },
    end() {
      if (failAt === 'end') throw new Error('probe failed at end');
      return { sum };
    },
  };
};
