import { expect } from 'vitest';
import { AppError } from '../../src/core/errors.js';

/** The catalog code of the AppError that `fn` throws; fails the test if it throws anything else or nothing. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).code;
  }
  throw new Error('expected an AppError');
}
