import { AppError } from './errors.js';

/** Small checks shared by the settings modules: every refusal is one `invalid_request`. */
export function requireInt(field: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidSetting(`${field} must be an integer from ${min} to ${max}`);
  }
}

export function invalidSetting(detail: string): AppError {
  return new AppError('invalid_request', detail);
}

/** A patch without its undefined members, so spreading it keeps the base's values. */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
