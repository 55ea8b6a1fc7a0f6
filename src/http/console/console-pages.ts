import type { FastifyRequest } from 'fastify';
import type { Container } from '../../container.js';
import type { Mode, VerificationRecord, VerificationStatus } from '../../core/model.js';
import { maskPhone } from '../../core/phone.js';
import type { Principal } from '../../core/tenancy.service.js';
import { barChart } from './charts.js';
import type { ConsoleSession } from './console-session.js';
import { html } from './html.js';
import type { Html } from './html.js';
import type { ApiAnswer } from './console.plugin.js';

export interface Ctx {
  c: Container;
  request: FastifyRequest;
  session: ConsoleSession;
  principal: Principal;
  isAdmin: boolean;
  /** Every service (admin), for the service picker. */
  services: Array<{ id: string; name: string }>;
  /** The service the pages are about: the key's, or the one an admin picked (null: all). */
  serviceId: string | null;
  mode: Mode;
  api(method: string, url: string, payload?: unknown): Promise<ApiAnswer>;
  notice: string | null;
}

export type PageName = 'overview' | 'verifications' | 'delivery' | 'abuse' | 'settings' | 'webhooks' | 'keys';
const NAV: Array<[PageName, string]> = [
  ['overview', 'Overview'], ['verifications', 'Verifications'], ['delivery', 'Delivery'], ['abuse', 'Abuse'],
  ['settings', 'Settings'], ['webhooks', 'Webhooks'], ['keys', 'Keys'],
];

export const svcQuery = (ctx: Ctx, extra = '') => (ctx.isAdmin && ctx.serviceId ? `?service=${encodeURIComponent(ctx.serviceId)}${extra ? `&${extra}` : ''}` : extra ? `?${extra}` : '');
const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)} %`);
const iso = (t: string | null | undefined) => (t ? t.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');
export const csrfField = (ctx: Ctx) => html`<input type="hidden" name="_csrf" value="${ctx.session.csrf}">${ctx.isAdmin && ctx.serviceId ? html`<input type="hidden" name="service" value="${ctx.serviceId}">` : ''}`;
export const problem = (res: ApiAnswer) => html`<div class="error" role="alert">${res.body?.title ?? 'Error'} (${res.status}): ${res.body?.detail ?? ''}</div>`;

export function layout(ctx: Ctx, current: PageName, title: string, body: Html): Html {
  const who = ctx.isAdmin ? 'admin key' : `${ctx.mode} key of ${ctx.principal.tenant?.service.settings.name ?? ''}`;
  return html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${ctx.session.csrf}"><title>${title} · otpgate console</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/console/assets/console.css"><script src="/console/assets/console.js" defer></script></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><span class="brand">otpgate</span>
<nav aria-label="Console"><ul>${NAV.map(([name, label]) => html`<li><a href="/console/${name}${svcQuery(ctx)}"${name === current ? html` aria-current="page"` : ''}>${label}</a></li>`)}</ul></nav>
<div class="who">${ctx.isAdmin ? html`<form class="inline" method="get" action="/console/${current}"><label class="inline">Service <select name="service" id="service-picker">
<option value="">All services</option>${ctx.services.map((s) => html`<option value="${s.id}"${s.id === ctx.serviceId ? html` selected` : ''}>${s.name} (${s.id})</option>`)}</select></label> <button class="plain" type="submit">Show</button></form>` : ''}
<span>Signed in with ${who}</span><form class="inline" method="post" action="/console/sign-out">${csrfField(ctx)}<button class="plain" type="submit">Sign out</button></form></div></header>
<main id="main"><h1>${title}</h1>${ctx.notice ? html`<div class="notice" role="status">${ctx.notice}</div>` : ''}${body}</main></body></html>`;
}

export function signInPage(token: string, error: string | null): Html {
  return html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in · otpgate console</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/console/assets/console.css"></head><body><main id="main" class="signin"><h1>otpgate console</h1>
${error ? html`<div class="error" role="alert">${error}</div>` : ''}
<form method="post" action="/console/sign-in"><input type="hidden" name="token" value="${token}">
<p><label for="key">Admin key or service key <input id="key" name="key" type="password" autocomplete="off" required></label></p>
<p><button type="submit">Sign in</button></p></form>
<p class="muted">An admin key sees every service; a service key its own service, and a test-mode key only the test world. The key stays on the server; this browser holds a session cookie only.</p></main></body></html>`;
}

const needService = (ctx: Ctx, page: PageName, what: string) =>
  layout(ctx, page, what, html`<p>Choose a service in the picker above to see its ${what.toLowerCase()}.</p>`);

const period = (ctx: Ctx) => {
  const q = ctx.request.query as Record<string, string | undefined>;
  return { from: q.from ?? '', to: q.to ?? '' };
};
const statsUrl = (ctx: Ctx, groupBy: string) => {
  const { from, to } = period(ctx);
  const params = new URLSearchParams({ group_by: groupBy });
  if (from) params.set('from', from);
  if (to) params.set('to', to);
  return ctx.serviceId ? `/v1/services/${encodeURIComponent(ctx.serviceId)}/stats?${params}` : `/v1/stats?${params}`;
};
const periodForm = (ctx: Ctx, page: PageName) => {
  const { from, to } = period(ctx);
  return html`<form class="bar" method="get" action="/console/${page}">${ctx.isAdmin && ctx.serviceId ? html`<input type="hidden" name="service" value="${ctx.serviceId}">` : ''}
<label for="from">From <input id="from" name="from" type="date" value="${from}"></label><label for="to">To <input id="to" name="to" type="date" value="${to}"></label><button type="submit">Show period</button></form>`;
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fig = any;
const card = (label: string, value: unknown) => html`<div class="card"><div class="label">${label}</div><div class="value">${value}</div></div>`;

async function overview(ctx: Ctx): Promise<Html> {
  const res = await ctx.api('GET', statsUrl(ctx, 'day'));
  if (res.status !== 200) return layout(ctx, 'overview', 'Overview', html`${periodForm(ctx, 'overview')}${problem(res)}`);
  const t: Fig = res.body.totals;
  const days: Fig[] = res.body.groups;
  const refusals = Object.entries(t.refusals as Record<string, number>);
  return layout(ctx, 'overview', 'Overview', html`${periodForm(ctx, 'overview')}
<p class="muted">${ctx.serviceId ? 'Service' : 'All services'}, ${res.body.mode} world, ${res.body.from} to ${res.body.to} (UTC).</p>
<div class="cards">${card('Started', t.started)}${card('Approved', t.approved)}${card('Conversion', pct(t.conversion_rate))}
${card('Median time to approve', t.median_seconds_to_approve === null ? '—' : `${t.median_seconds_to_approve} s`)}
${card('Messages sent', t.messages.sent)}${card('Delivered', t.messages.delivered)}${card('Failed', t.messages.failed + t.messages.undelivered)}${card('Spend', t.spend)}</div>
${barChart('Verifications per day', days.map((d) => d.key), [
    { name: 'started', className: 's-started', values: days.map((d) => d.started) },
    { name: 'approved', className: 's-approved', values: days.map((d) => d.approved) },
  ])}
${barChart('Messages per day', days.map((d) => d.key), [
    { name: 'sent', className: 's-sent', values: days.map((d) => d.messages.sent) },
    { name: 'failed', className: 's-failed', values: days.map((d) => d.messages.failed + d.messages.undelivered) },
  ])}
<h2>Refusals by rule</h2>${refusals.length === 0 ? html`<p class="muted">None in this period.</p>` : html`<table><thead><tr><th scope="col">Rule</th><th scope="col">Refusals</th></tr></thead><tbody>${refusals.map(([rule, n]) => html`<tr><td><code>${rule}</code></td><td>${n}</td></tr>`)}</tbody></table>`}`);
}

const STATUSES = ['pending', 'approved', 'expired', 'canceled', 'max_attempts_reached', 'failed'];

async function verifications(ctx: Ctx, id?: string): Promise<Html> {
  if (!ctx.serviceId) return needService(ctx, 'verifications', 'Verifications');
  // Server-side, in the key's own world: a service key reads its service in its mode; an admin
  // key (which the API does not let read verifications) sees the live world with numbers masked.
  const scope = { serviceId: ctx.serviceId, mode: ctx.mode };
  const show = (to: string) => (ctx.isAdmin ? maskPhone(to) : to);
  if (id !== undefined) return verificationDetail(ctx, scope, id, show);
  const q = ctx.request.query as Record<string, string | undefined>;
  const search = (q.q ?? '').trim().slice(0, 64);
  const status = STATUSES.includes(q.status ?? '') ? (q.status as VerificationStatus) : undefined;
  let rows: VerificationRecord[] = [];
  let hint: string | null = null;
  if (/^ver_[A-Za-z0-9]+$/.test(search)) {
    const v = await ctx.c.store.getVerification(scope, search);
    rows = v ? [v] : [];
  } else {
    const digits = search.replace(/[^0-9]/g, '');
    const full = search.startsWith('+') && digits.length >= 8;
    if (search !== '' && digits.length < 2) hint = 'Give a number (with +), its last digits, or a ver_ id.';
    else {
      const page = await ctx.c.store.listVerifications(scope, {
        status, ...(full ? { to: `+${digits}` } : digits ? { toSuffix: digits } : {}),
      }, { limit: 50, cursor: undefined });
      rows = page.data;
    }
  }
  return layout(ctx, 'verifications', 'Verifications', html`<form class="bar" method="get" action="/console/verifications" role="search">
${ctx.isAdmin ? html`<input type="hidden" name="service" value="${ctx.serviceId}">` : ''}
<label for="q">Number, last digits or id <input id="q" name="q" value="${search}" inputmode="search"></label>
<label for="status">Status <select id="status" name="status"><option value="">any</option>${STATUSES.map((s) => html`<option${s === status ? html` selected` : ''}>${s}</option>`)}</select></label>
<button type="submit">Search</button></form>
${hint ? html`<div class="error" role="alert">${hint}</div>` : ''}
${ctx.isAdmin ? html`<p class="muted">Numbers are masked for admin keys; a service key of this service sees them whole.</p>` : ''}
<div class="scroll"><table><thead><tr><th scope="col">Id</th><th scope="col">To</th><th scope="col">Channel</th><th scope="col">Status</th><th scope="col">Sends</th><th scope="col">Checks</th><th scope="col">Started</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="7" class="muted">No verifications found.</td></tr>` : rows.map((v) => html`<tr><td><a class="mono" href="/console/verifications/${v.id}${svcQuery(ctx)}">${v.id}</a></td><td class="mono">${show(v.to)}</td><td>${v.channel}</td><td>${v.status}</td><td>${v.sendCount}</td><td>${v.attempts}</td><td>${iso(new Date(v.createdAt).toISOString())}</td></tr>`)}</tbody></table></div>`);
}

async function verificationDetail(ctx: Ctx, scope: { serviceId: string; mode: Mode }, id: string, show: (to: string) => string): Promise<Html> {
  const v = await ctx.c.store.getVerification(scope, id);
  if (!v) return layout(ctx, 'verifications', 'Verification', html`<div class="error" role="alert">No verification ${id} here.</div>`);
  const [messages, events] = await Promise.all([ctx.c.store.listMessages(v.id), ctx.c.store.listEvents(scope, { limit: 200 })]);
  const mine = (events ?? []).filter((e) => JSON.stringify(e.data).includes(v.id));
  const t = (ms: number) => iso(new Date(ms).toISOString());
  return layout(ctx, 'verifications', `Verification ${v.id}`, html`<p><a href="/console/verifications${svcQuery(ctx)}">← All verifications</a></p>
<dl class="kv"><dt>To</dt><dd class="mono">${show(v.to)}</dd><dt>Country</dt><dd>${v.country ?? '—'}</dd><dt>Channel</dt><dd>${v.channel}</dd><dt>Status</dt><dd>${v.status}</dd>
<dt>Locale</dt><dd>${v.locale}</dd><dt>Checks</dt><dd>${v.attempts} of ${v.maxAttempts}</dd><dt>Sends</dt><dd>${v.sendCount} of ${v.maxSends}</dd>
<dt>Started</dt><dd>${t(v.createdAt)}</dd><dt>Expires</dt><dd>${t(v.expiresAt)}</dd><dt>Last change</dt><dd>${t(v.updatedAt)}</dd></dl>
<h2>Sends</h2><div class="scroll"><table><thead><tr><th scope="col">Message</th><th scope="col">Channel</th><th scope="col">Provider</th><th scope="col">Status</th><th scope="col">Error</th><th scope="col">Tries</th><th scope="col">Queued</th></tr></thead><tbody>
${messages.map((m) => html`<tr><td class="mono">${m.id}</td><td>${m.channel}</td><td>${m.provider ?? '—'}</td><td>${m.status}</td><td>${m.errorCode ?? '—'}</td><td>${m.attempts}</td><td>${t(m.createdAt)}</td></tr>`)}</tbody></table></div>
<h2>Events</h2>${mine.length === 0 ? html`<p class="muted">No events among the service's latest 200.</p>` : html`<div class="scroll"><table><thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">At</th></tr></thead><tbody>
${mine.map((e) => html`<tr><td class="mono">${e.id}</td><td>${e.type}</td><td>${t(e.createdAt)}</td></tr>`)}</tbody></table></div>`}`);
}

async function delivery(ctx: Ctx): Promise<Html> {
  const answers = await Promise.all(['country', 'provider', 'channel'].map((g) => ctx.api('GET', statsUrl(ctx, g))));
  const bad = answers.find((a) => a.status !== 200);
  if (bad) return layout(ctx, 'delivery', 'Delivery', problem(bad));
  const table = (title: string, groups: Fig[]) => html`<h2>By ${title}</h2><div class="scroll"><table><thead><tr><th scope="col">${title}</th><th scope="col">Started</th><th scope="col">Conversion</th><th scope="col">Sent</th><th scope="col">Delivered</th><th scope="col">Failed</th><th scope="col">Undelivered</th><th scope="col">Delivery rate</th></tr></thead><tbody>
${groups.map((g) => html`<tr><td>${g.key || '(none)'}</td><td>${g.started}</td><td>${pct(g.conversion_rate)}</td><td>${g.messages.sent}</td><td>${g.messages.delivered}</td><td>${g.messages.failed}</td><td>${g.messages.undelivered}</td><td>${pct(g.delivery_rate)}</td></tr>`)}</tbody></table></div>`;
  const breakers = ctx.c.breakers.snapshot();
  return layout(ctx, 'delivery', 'Delivery', html`${periodForm(ctx, 'delivery')}
${table('country', answers[0]!.body.groups)}${table('provider', answers[1]!.body.groups)}${table('channel', answers[2]!.body.groups)}
<h2>Circuit breakers</h2>${breakers.length === 0 ? html`<p class="ok">Every provider's circuit is closed (no recent failures).</p>` : html`<table><thead><tr><th scope="col">Provider</th><th scope="col">Consecutive failures</th><th scope="col">State</th></tr></thead><tbody>${breakers.map((b) => html`<tr><td>${b.key}</td><td>${b.failures}</td><td class="${b.open ? 'warn' : ''}">${b.open ? 'open' : 'closed'}</td></tr>`)}</tbody></table>`}
<p class="muted">Receipts: delivered, undelivered and failed above come from providers' delivery receipts (POST /v1/dlr/…).</p>`);
}

export const PAGES: Record<PageName, (ctx: Ctx, id?: string) => Promise<Html>> = {
  overview,
  verifications,
  delivery,
  abuse: (ctx) => import('./console-admin-pages.js').then((m) => m.abuse(ctx)),
  settings: (ctx) => import('./console-admin-pages.js').then((m) => m.settings(ctx)),
  webhooks: (ctx) => import('./console-admin-pages.js').then((m) => m.webhooks(ctx)),
  keys: (ctx) => import('./console-admin-pages.js').then((m) => m.keys(ctx)),
};
