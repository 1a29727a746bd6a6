import { block, show, unblock, unblockBruteForce } from './account';
import { resetPassword, verifyEmail } from './email';
import { exportUsers, importUsers } from './jobs';
import { deleteUser, exportUser } from './gdpr';
import { link, unlink } from './linking';
import { blockApp, entitle, resetTerms, revoke, unblockApp } from './metadata';
import type { Command } from './types';
import { update } from './update';

export const COMMANDS: readonly Command[] = [
  show,
  block,
  unblock,
  unblockBruteForce,
  blockApp,
  unblockApp,
  entitle,
  revoke,
  verifyEmail,
  resetPassword,
  resetTerms,
  link,
  unlink,
  update,
  exportUser,
  deleteUser,
  exportUsers,
  importUsers,
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name);
}

export { NO_OPTIONS } from './types';
export type { Command, CommandOptions, Item, Outcome, RunContext, Status } from './types';
