import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * The operator console in a real browser: Debian's chromium (never a downloaded one) driven by
 * playwright-core. Screenshots of each page go to test-results/console/ (gitignored).
 */
const SHOTS = 'test-results/console';
const LIVE_NUMBER = '+14155550123';
let h: Harness;
let base: string;
let browser: Browser;
let svc: Awaited<ReturnType<Harness['service']>>;
let testKey: string;

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
const signIn = async (page: Page, key: string) => {
  await page.goto(`${base}/console`);
  await expect(page.url()).toContain('/console/sign-in');
  await page.getByLabel('Admin key or service key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console\/overview/);
};

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  h = await createHarness({ now: Date.now() });
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  svc = await h.service({ sms_prices: { US: 0.0079 } });
  for (const to of [LIVE_NUMBER, '+14155550177', '+14155550188']) {
    const res = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to } });
    expect(res.statusCode).toBe(201);
  }
  const code = await h.lastCode(svc.key, LIVE_NUMBER);
  h.clock.advance(12_000);
  await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload: { to: LIVE_NUMBER, code } });
  const now = h.clock.now();
  await h.c.store.savePrefixBlock({ serviceId: svc.id, prefix: '+447400', mode: 'enforced', reason: 'spike', sends: 41, approvals: 0, baselinePerWindow: 1, createdAt: now, expiresAt: now + 3_600_000 });
  testKey = (await h.app.inject({ method: 'POST', url: `/v1/services/${svc.id}/keys`, headers: { authorization: `Bearer ${h.adminKey}` }, payload: { mode: 'test', name: 'sandbox' } })).json().key;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('operator console (chromium)', () => {
  it('signs in with the admin key, shows each page, finds a verification, lifts a block, previews and saves a template, revokes a key, signs out', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await signIn(page, h.adminKey);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'og_console')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await shot(page, '01-overview-all');

    await page.getByLabel('Service').selectOption(svc.id);
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await expect(page.locator('.card').filter({ hasText: 'Started' }).locator('.value').textContent()).resolves.toBe('3');
    await expect(page.locator('.card').filter({ hasText: 'Approved' }).locator('.value').textContent()).resolves.toBe('1');
    expect(await page.locator('svg rect.s-started').count()).toBeGreaterThan(0);
    await shot(page, '02-overview-service');

    // Find a verification by its last digits; the admin key sees the number masked.
    await page.getByRole('link', { name: 'Verifications' }).click();
    await page.getByLabel('Number, last digits or id').fill('0123');
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.locator('tbody tr');
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.first().textContent()).resolves.toContain('approved');
    expect(await rows.first().textContent()).not.toContain(LIVE_NUMBER);
    await shot(page, '03-verifications');
    await rows.first().getByRole('link').click();
    await expect(page.getByRole('heading', { name: 'Sends' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('table').first().textContent()).resolves.toContain('console');
    await shot(page, '04-verification-detail');

    await page.getByRole('link', { name: 'Delivery' }).click();
    await expect(page.getByRole('heading', { name: 'By provider' }).isVisible()).resolves.toBe(true);
    await shot(page, '05-delivery');

    // Lift the prefix block.
    await page.getByRole('link', { name: 'Abuse' }).click();
    await shot(page, '06-abuse');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Lift +447400' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('Block of +447400 lifted');
    expect(await h.c.store.listPrefixBlocks(svc.id, h.clock.now())).toEqual([]);

    // Edit a template and watch the preview.
    await page.getByRole('link', { name: 'Settings' }).click();
    await shot(page, '07-settings');
    await page.getByRole('link', { name: 'fr', exact: true }).click();
    const text = page.getByLabel(/Template for fr/);
    await text.fill('{code} est votre code {service}. Merci!');
    await expect.poll(() => page.locator('#preview').textContent()).toContain('123456 est votre code Acme. Merci!');
    await expect.poll(() => page.locator('#preview-facts').textContent()).toMatch(/GSM-7 · 1 segment/);
    await text.fill('{code} est votre code {service} é€ ✓');
    await expect.poll(() => page.locator('#preview-facts').textContent()).toMatch(/UCS-2/);
    await text.fill('{code} est votre code {service}.');
    await expect.poll(() => page.locator('#preview').textContent()).toBe('123456 est votre code Acme.');
    await shot(page, '08-template-preview');
    await page.getByRole('button', { name: 'Save template' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('Template fr saved');
    const saved = (await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/templates`, headers: { authorization: `Bearer ${h.adminKey}` } })).json();
    expect(saved.data.find((t: { locale: string }) => t.locale === 'fr').text).toBe('{code} est votre code {service}.');

    await page.getByRole('link', { name: 'Webhooks' }).click();
    await shot(page, '09-webhooks-admin');

    // Revoke the service key.
    await page.getByRole('link', { name: 'Keys' }).click();
    await shot(page, '10-keys');
    const liveKeyId = (await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/keys`, headers: { authorization: `Bearer ${h.adminKey}` } })).json().data.find((k: { mode: string }) => k.mode === 'live').id;
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: `Revoke ${liveKeyId}` }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain(`Key ${liveKeyId} revoked`);
    expect((await h.app.inject({ method: 'GET', url: '/v1/verifications', headers: svc.auth })).statusCode).toBe(401);

    // A phone-width look at the overview.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Overview' }).click();
    await shot(page, '11-overview-phone');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/sign-in/);
    await page.goto(`${base}/console/overview`);
    expect(page.url()).toContain('/console/sign-in');
    await shot(page, '12-signed-out');
    expect(errors, errors.join("\n")).toEqual([]);
    await context.close();
  }, 90_000);

  it('shows a test key only the test world: no live verification, no live figures', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, testKey);
    await expect(page.locator('.card').filter({ hasText: 'Started' }).locator('.value').textContent()).resolves.toBe('0');
    await page.getByRole('link', { name: 'Verifications' }).click();
    await expect(page.locator('tbody').textContent()).resolves.toContain('No verifications found');
    await page.getByLabel('Number, last digits or id').fill(LIVE_NUMBER);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.locator('tbody').textContent()).resolves.toContain('No verifications found');
    await shot(page, '13-test-key');
    await context.close();
  }, 60_000);

  it('refuses a change without the CSRF token, and ends sessions that expire', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, h.adminKey);
    const now = h.clock.now();
    await h.c.store.savePrefixBlock({ serviceId: svc.id, prefix: '+447911', mode: 'enforced', reason: 'spike', sends: 9, approvals: 0, baselinePerWindow: 1, createdAt: now, expiresAt: now + 3_600_000 });
    const forged = await page.request.post(`${base}/console/actions/lift-prefix`, { form: { service: svc.id, prefix: '+447911' } });
    expect(forged.status()).toBe(403);
    const wrong = await page.request.post(`${base}/console/actions/lift-prefix`, { form: { service: svc.id, prefix: '+447911', _csrf: 'x'.repeat(43) } });
    expect(wrong.status()).toBe(403);
    expect(await h.c.store.listPrefixBlocks(svc.id, h.clock.now())).toHaveLength(1);
    const headers = (await page.request.get(`${base}/console/overview`)).headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    h.clock.advance(8 * 3_600_000 + 1);
    await page.goto(`${base}/console/overview`);
    expect(page.url()).toContain('/console/sign-in');
    await context.close();
  }, 60_000);
});
