import { generateDemo, isEmpty } from '../../demo/generate';
import type { DomainHandlers } from '../types';

export const demoHandlers: DomainHandlers<'demo'> = {
  'demo.status': async ({ db }) => ({ empty: await isEmpty(db) }),
  'demo.generate': ({ db, progress, signal }, input) => generateDemo(db, input, progress, signal),
};
