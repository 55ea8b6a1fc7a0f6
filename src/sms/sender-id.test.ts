import { describe, expect, it } from 'vitest';
import { chooseSender, senderIdProblem, senderKind } from './sender-id.js';

describe('sender ids (M4)', () => {
  it.each(['A', 'Acme', 'Acme Bank', 'ACME2FA', 'abcdefghijk', '1Password'])('accepts the alphanumeric id %j', (id) => {
    expect(senderKind(id)).toBe('alphanumeric');
  });
  it.each(['', 'abcdefghijkl', 'Acme-Bank', 'Acmé', 'Acme_1', 'Acme!', '   '])('refuses %j', (id) => {
    expect(senderIdProblem(id)).not.toBeNull();
  });
  it('reads digits as a number, not an alphanumeric id', () => {
    expect(senderKind('12345')).toBe('numeric');
    expect(senderKind('+14155550100')).toBe('numeric');
    expect(senderIdProblem('0123')).not.toBeNull();
  });
  it('picks the country id, else the default, and falls back to the number where alphanumeric ids are refused', () => {
    const rules = { senderId: 'Acme', countrySenderIds: { DE: 'AcmeDE', CA: '+15145550100' }, numericSender: '+14155550100' };
    expect(chooseSender(rules, 'DE')).toBe('AcmeDE');
    expect(chooseSender(rules, 'FR')).toBe('Acme');
    expect(chooseSender(rules, 'US')).toBe('+14155550100');
    expect(chooseSender(rules, 'CA')).toBe('+15145550100');
    expect(chooseSender(rules, null)).toBe('Acme');
    expect(chooseSender({ senderId: null, countrySenderIds: {}, numericSender: null }, 'US')).toBeNull();
  });
});
