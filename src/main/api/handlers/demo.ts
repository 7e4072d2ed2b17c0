import { AppError } from '../../errors';
import { generateDemo, isEmpty } from '../../demo/generate';
import type { DomainHandlers } from '../types';

export const demoHandlers: DomainHandlers<'demo'> = {
  'demo.status': async ({ db }) => ({ empty: await isEmpty(db) }),
  'demo.generate': ({ db, progress, signal, session }, input) => {
    // Synthetic data is written set-based, straight into the tables, sealed with the chain key:
    // only a superuser (as on the local database) may, never a staff login.
    if (!session.whoami.superuser) {
      throw new AppError(
        'FORBIDDEN',
        `Demo data is written straight into the tables, which only a superuser may do; ${session.whoami.login} is not one. Use the local database, or a superuser login on a scratch database.`,
      );
    }
    return generateDemo(db, input, progress, signal);
  },
};
