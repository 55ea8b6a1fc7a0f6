import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { isDisposableDomain, MAX_EMAIL_LENGTH, normalizeEmail } from './email-address.js';

const label63 = 'a'.repeat(63);

describe('normalizeEmail', () => {
  it.each([
    ['ada@example.com', 'ada@example.com', 'example.com'],
    ['  ada@example.com\n', 'ada@example.com', 'example.com'],
    // the domain is folded, the local part is kept as given (RFC 5321 §2.4)
    ['Ada.Lovelace@Example.COM', 'Ada.Lovelace@example.com', 'example.com'],
    ['ada+otp@mail.example.co.uk', 'ada+otp@mail.example.co.uk', 'mail.example.co.uk'],
    ["o'brien!#$%&*=?^_`{|}~-@example.org", "o'brien!#$%&*=?^_`{|}~-@example.org", 'example.org'],
    // IDNA: Unicode domains become their punycode form, and both spellings are one address
    ['ada@Bücher.example', 'ada@xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['ada@xn--bcher-kva.example', 'ada@xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['用户@例子.广告', '用户@xn--fsqu00a.xn--4rr70v', 'xn--fsqu00a.xn--4rr70v'],
    ['ada@ＥＸＡＭＰＬＥ.com', 'ada@example.com', 'example.com'], // full-width letters map under UTS #46
    [`${'l'.repeat(64)}@example.com`, `${'l'.repeat(64)}@example.com`, 'example.com'],
  ])('%j → %j', (input, address, domain) => {
    expect(normalizeEmail(input)).toEqual({ address, domain });
  });

  it('accepts an address of exactly 254 characters and refuses 255', () => {
    const domain = `${label63}.${label63}.${label63}.com`; // 195
    const at254 = `${'x'.repeat(MAX_EMAIL_LENGTH - domain.length - 1)}@${domain}`;
    expect(at254).toHaveLength(254);
    expect(normalizeEmail(at254).address).toBe(at254);
    expect(() => normalizeEmail(`x${at254}`)).toThrow(/longer than 254/);
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['ada', /local-part@domain/],
    ['ada@', /local-part@domain/],
    ['@example.com', /local-part@domain/],
    ['ada@@example.com', /more than one @/],
    ['ada@b@example.com', /more than one @/],
    ['Ada <ada@example.com>', /display name/],
    ['<ada@example.com>', /display name/],
    ['"ada lovelace"@example.com', /quoted/],
    ['"ada"@example.com', /quoted/],
    ['ada@[192.0.2.1]', /IP-address/],
    ['ada@[IPv6:2001:db8::1]', /IP-address/],
    ['ada@192.0.2.1', /not a valid address/],
    ['ada@localhost', /no top-level domain/],
    ['ada@example', /no top-level domain/],
    ['ada lovelace@example.com', /spaces/],
    ['ada@example.com\r\nBcc: eve@example.com', /spaces or control/],
    ['ada\u0000@example.com', /control/],
    ['ada..lovelace@example.com', /not a valid address/],
    ['.ada@example.com', /not a valid address/],
    ['ada.@example.com', /not a valid address/],
    ['ada@-example.com', /not a valid address/],
    ['ada@example-.com', /not a valid address/],
    ['ada@exa_mple.com', /not a valid address/],
    ['ada@example..com', /not a valid/],
    ['ada@example.c', /not a valid address/],
    ['ada@example.com.', /not a valid address/],
    [`ada@${'a'.repeat(64)}.com`, /not a valid/],
    [`${'l'.repeat(65)}@example.com`, /longer than 64 bytes/],
    [`${'x'.repeat(300)}@example.com`, /longer than 254/],
    ['x'.repeat(1_000_000), /longer than 254/],
  ])('refuses %j', (input, detail) => {
    let caught: unknown;
    try {
      normalizeEmail(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('invalid_request');
    expect((caught as AppError).status).toBe(400);
    expect((caught as AppError).message).toMatch(detail);
  });

  it('refuses an address whose ASCII form grows past 254 characters', () => {
    const label = 'ſĳĸŉŋŧƀƃƈƌƒƙƚƞơƣƥƨƭưƴƶƹƽǆ'; // 25 characters, 59 as punycode
    const input = `ada@${[label, label, label, label, label].join('.')}.com`;
    expect(input.length).toBe(137);
    expect(() => normalizeEmail(input)).toThrow(/longer than 254 characters once its domain is in ASCII/);
  });
});

describe('isDisposableDomain', () => {
  it.each([
    ['mailinator.com', true],
    ['MAILINATOR.COM', true],
    ['mailinator.com.', true],
    ['inbox.mailinator.com', true], // a subdomain of a listed domain
    ['guerrillamail.com', true],
    ['yopmail.com', true],
    ['10minutemail.com', true],
    ['gmail.com', false],
    ['outlook.com', false],
    ['example.com', false],
    ['acme.test', false],
    ['com', false],
    ['', false],
    ['mailinator.com.example.org', false], // parents are matched, not children
  ])('%j → %s', (domain, expected) => {
    expect(isDisposableDomain(domain)).toBe(expected);
  });

  it('reads the domain normalizeEmail gives', () => {
    expect(isDisposableDomain(normalizeEmail('Someone@Mailinator.com').domain)).toBe(true);
  });
});
