import { AppError } from '../core/errors.js';

/**
 * Lists are ordered by id (ids sort by creation time), newest first; a cursor is the last id
 * of a page, opaque to clients so the scheme can change.
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | null {
  if (cursor === undefined || cursor === '') return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]{3}_[0-9a-z]{26}$/.test(id)) throw new AppError('invalid_cursor', 'The cursor is not one this API returned.');
  return id;
}
