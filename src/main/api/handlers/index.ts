import type { Handlers } from '../types';
import { auditHandlers, reportHandlers } from './audit';
import { backupHandlers } from './backup';
import { demoHandlers } from './demo';
import { grantsHandlers } from './grants';
import { operationsHandlers } from './operations';
import { pointsHandlers, redemptionsHandlers, rewardsHandlers } from './points';
import { recoveryHandlers } from './recovery';
import { sessionHandlers } from './session';
import { usersHandlers } from './users';
import { verifyHandlers } from './verify';
import { approvalsHandlers, policiesHandlers } from './approvals';
import { expiryHandlers } from './expiry';

/** One handler per contract call; the type makes a missing or extra one a compile error. */
export const handlers: Handlers = {
  ...sessionHandlers,
  ...usersHandlers,
  ...demoHandlers,
  ...pointsHandlers,
  ...redemptionsHandlers,
  ...rewardsHandlers,
  ...operationsHandlers,
  ...auditHandlers,
  ...reportHandlers,
  ...verifyHandlers,
  ...recoveryHandlers,
  ...backupHandlers,
  ...approvalsHandlers,
  ...policiesHandlers,
  ...grantsHandlers,
  ...expiryHandlers,
};
