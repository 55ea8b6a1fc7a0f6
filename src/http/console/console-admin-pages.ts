import { html } from './html.js';
import type { Html } from './html.js';
import { csrfField, layout, problem, svcQuery } from './console-pages.js';
import type { Ctx } from './console-pages.js';

const svcUrl = (ctx: Ctx, tail = '') => `/v1/services/${encodeURIComponent(ctx.serviceId!)}${tail}`;
const pick = (ctx: Ctx, page: 'abuse' | 'settings' | 'webhooks' | 'keys', title: string) =>
  layout(ctx, page, title, html`<p>Choose a service in the picker above.</p>`);

/** Blocked prefixes (lift one), refusals by rule, caps and how close they are, geo permissions. */
export async function abuse(ctx: Ctx, extra?: Html): Promise<Html> {
  if (!ctx.serviceId) return pick(ctx, 'abuse', 'Abuse');
  const today = new Date(ctx.c.clock.now()).toISOString().slice(0, 10);
  const [blocks, service, stats, week] = await Promise.all([
    ctx.api('GET', svcUrl(ctx, '/prefix-blocks')),
    ctx.api('GET', svcUrl(ctx)),
    ctx.api('GET', svcUrl(ctx, `/stats?from=${today}&to=${today}`)),
    ctx.api('GET', svcUrl(ctx, '/stats?group_by=country')),
  ]);
  for (const res of [blocks, service, stats, week]) if (res.status !== 200) return layout(ctx, 'abuse', 'Abuse', problem(res));
  const s = service.body;
  const used = stats.body.totals;
  const near = (n: number, cap: number | null) => (cap === null ? 'no cap' : html`<span class="${n / cap >= 0.8 ? 'warn' : ''}">${n} of ${cap} (${Math.round((n / cap) * 100)} %)</span>`);
  const refusals = Object.entries(week.body.totals.refusals as Record<string, number>);
  return layout(ctx, 'abuse', 'Abuse', html`${extra ?? ''}
<h2>Blocked prefixes</h2>${blocks.body.data.length === 0 ? html`<p class="muted">No prefix is blocked.</p>` : html`<div class="scroll"><table><thead><tr><th scope="col">Prefix</th><th scope="col">Mode</th><th scope="col">Sends</th><th scope="col">Approvals</th><th scope="col">Until</th><th scope="col"><span class="skip">Action</span></th></tr></thead><tbody>
${blocks.body.data.map((b: Record<string, unknown>) => html`<tr><td class="mono">${b.prefix}</td><td>${b.mode}</td><td>${b.sends}</td><td>${b.approvals}</td><td>${b.expires_at}</td>
<td>${ctx.isAdmin ? html`<form class="inline" method="post" action="/console/actions/lift-prefix" data-confirm="Lift the block of ${b.prefix}?">${csrfField(ctx)}<input type="hidden" name="prefix" value="${b.prefix}"><button class="danger" type="submit">Lift ${b.prefix}</button></form>` : html`<span class="muted">admin key needed</span>`}</td></tr>`)}</tbody></table></div>`}
<h2>Daily caps (today, UTC)</h2><dl class="kv"><dt>Messages</dt><dd>${near(used.messages.created, s.daily_message_cap)}</dd><dt>Spend</dt><dd>${near(used.spend, s.daily_spend_cap)}</dd></dl>
<h2>Refusals by rule (last 30 days)</h2>${refusals.length === 0 ? html`<p class="muted">None.</p>` : html`<table><thead><tr><th scope="col">Rule</th><th scope="col">Refusals</th></tr></thead><tbody>${refusals.map(([r, n]) => html`<tr><td><code>${r}</code></td><td>${n}</td></tr>`)}</tbody></table>`}
<h2>Geo permissions</h2><p>${s.allowed_countries === null ? 'Every country is allowed.' : html`Allowed: ${(s.allowed_countries as string[]).join(', ')}`}</p>
<p class="muted">Velocity limits, caps and the pumping guard are service settings: change them on the Settings page.</p>`);
}

/** Service settings (PATCH with the API's validation), templates with a live preview. */
export async function settings(ctx: Ctx, extra?: Html, draft?: { locale: string; text: string }): Promise<Html> {
  if (!ctx.serviceId) return pick(ctx, 'settings', 'Settings');
  const q = ctx.request.query as Record<string, string | undefined>;
  const [service, templates] = await Promise.all([ctx.api('GET', svcUrl(ctx)), ctx.isAdmin ? ctx.api('GET', svcUrl(ctx, '/templates')) : Promise.resolve(null)]);
  if (service.status !== 200) return layout(ctx, 'settings', 'Settings', problem(service));
  // What PATCH takes: not the ids and times, nor the /v2 sids derived from the id.
  const editable = Object.fromEntries(Object.entries(service.body as Record<string, unknown>).filter(([k]) => !['id', 'created_at', 'updated_at'].includes(k) && !k.startsWith('twilio_')));
  const locale = draft?.locale ?? q.locale;
  const list = (templates?.body?.data ?? []) as Array<{ locale: string; text: string; source: string; check: { encoding: string; segments: number } }>;
  const current = list.find((t) => t.locale === locale);
  return layout(ctx, 'settings', 'Settings', html`${extra ?? ''}
<h2>Service settings</h2>${ctx.isAdmin ? html`<form method="post" action="/console/actions/save-settings">${csrfField(ctx)}
<label for="settings-json">Settings (JSON; the API checks every value)<textarea id="settings-json" name="settings" rows="16" class="mono">${JSON.stringify(editable, null, 2)}</textarea></label>
<p><button type="submit">Save settings</button></p></form>` : html`<pre class="mono">${JSON.stringify(editable, null, 2)}</pre><p class="muted">Settings change with an admin key.</p>`}
<h2>Templates</h2>${!ctx.isAdmin ? html`<p class="muted">Templates are managed with an admin key.</p>` : current ? html`
<form method="post" action="/console/actions/save-template" data-preview="/console/api/template-preview/${current.locale}${svcQuery(ctx)}">${csrfField(ctx)}<input type="hidden" name="locale" value="${current.locale}">
<label for="template-text">Template for ${current.locale} ({code} and {service} are filled in)<textarea id="template-text" name="text" rows="3">${draft?.text ?? current.text}</textarea></label>
<p>Preview (code 123456):</p><div id="preview" aria-live="polite"></div><p id="preview-facts" aria-live="polite"></p>
<p><button type="submit">Save template</button> <a href="/console/settings${svcQuery(ctx)}">Back to every locale</a></p></form>` : html`
<div class="scroll"><table><thead><tr><th scope="col">Locale</th><th scope="col">Source</th><th scope="col">Encoding</th><th scope="col">Segments</th><th scope="col">Text</th></tr></thead><tbody>
${list.map((t) => html`<tr><td><a href="/console/settings${svcQuery(ctx, `locale=${encodeURIComponent(t.locale)}`)}">${t.locale}</a></td><td>${t.source}</td><td>${t.check.encoding}</td><td>${t.check.segments}</td><td>${t.text}</td></tr>`)}</tbody></table></div>`}`);
}

/** Webhook endpoints (a service key's world), their delivery log, redeliver, rotate secret. */
export async function webhooks(ctx: Ctx, extra?: Html): Promise<Html> {
  if (ctx.isAdmin) return layout(ctx, 'webhooks', 'Webhooks', html`<p>Webhook endpoints belong to a service's world: sign in with a key of that service (live or test) to see and manage them.</p>`);
  const list = await ctx.api('GET', '/v1/webhooks?limit=50');
  if (list.status !== 200) return layout(ctx, 'webhooks', 'Webhooks', problem(list));
  const endpoints = list.body.data as Array<Record<string, unknown>>;
  const logs = await Promise.all(endpoints.map((e) => ctx.api('GET', `/v1/webhooks/${encodeURIComponent(String(e.id))}/attempts?limit=20`)));
  return layout(ctx, 'webhooks', 'Webhooks', html`${extra ?? ''}${endpoints.length === 0 ? html`<p class="muted">No webhook endpoints (POST /v1/webhooks).</p>` : ''}
${endpoints.map((e, i) => html`<section aria-labelledby="wh-${e.id}"><h2 id="wh-${e.id}">${e.url}</h2><p class="muted">${e.id} · ${e.enabled ? 'enabled' : 'disabled'}</p>
<form class="inline" method="post" action="/console/actions/rotate-secret" data-confirm="Rotate the signing secret? The old one keeps signing for a day.">${csrfField(ctx)}<input type="hidden" name="id" value="${e.id}"><button type="submit">Rotate secret</button></form>
<h3>Delivery log</h3><div class="scroll"><table><thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Try</th><th scope="col">Status</th><th scope="col">Error</th><th scope="col">At</th><th scope="col"><span class="skip">Action</span></th></tr></thead><tbody>
${((logs[i]?.body?.data ?? []) as Array<Record<string, unknown>>).map((a) => html`<tr><td class="mono">${a.event_id}</td><td>${a.event_type}</td><td>${a.attempt}</td><td>${a.status_code ?? '—'}</td><td>${a.error ?? '—'}</td><td>${a.created_at}</td>
<td><form class="inline" method="post" action="/console/actions/redeliver">${csrfField(ctx)}<input type="hidden" name="id" value="${e.id}"><input type="hidden" name="event_id" value="${a.event_id}"><button class="plain" type="submit">Redeliver</button></form></td></tr>`)}</tbody></table></div></section>`)}`);
}

/** Service keys, Twilio-style credentials and admin keys: issue, list, revoke (admin key). */
export async function keys(ctx: Ctx, extra?: Html): Promise<Html> {
  if (!ctx.isAdmin) return layout(ctx, 'keys', 'Keys', html`<p>Keys are issued and revoked with an admin key.</p>`);
  const [admins, service] = await Promise.all([ctx.api('GET', '/v1/admin-keys'), ctx.serviceId ? ctx.api('GET', svcUrl(ctx, '/keys')) : Promise.resolve(null)]);
  if (admins.status !== 200) return layout(ctx, 'keys', 'Keys', problem(admins));
  const row = (k: Record<string, unknown>, action: string) => html`<tr><td class="mono">${k.id}</td><td>${k.name ?? '—'}</td><td>${k.mode}</td><td>${k.scheme}</td><td class="mono">${k.prefix}…</td><td>${k.created_at}</td><td>${k.revoked_at ?? html`<form class="inline" method="post" action="/console/actions/${action}" data-confirm="Revoke ${k.id}? Whoever uses it is locked out at once.">${csrfField(ctx)}<input type="hidden" name="id" value="${k.id}"><button class="danger" type="submit" aria-label="Revoke ${k.id}">Revoke</button></form>`}</td></tr>`;
  const head = html`<thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Mode</th><th scope="col">Scheme</th><th scope="col">Prefix</th><th scope="col">Created</th><th scope="col">Revoked</th></tr></thead>`;
  return layout(ctx, 'keys', 'Keys', html`${extra ?? ''}
${ctx.serviceId ? html`<h2>Service keys</h2><div class="scroll"><table>${head}<tbody>${(service?.body?.data ?? []).map((k: Record<string, unknown>) => row(k, 'revoke-key'))}</tbody></table></div>
<form class="bar" method="post" action="/console/actions/create-key">${csrfField(ctx)}<label for="key-name">Name <input id="key-name" name="name" maxlength="64"></label>
<label for="key-mode">Mode <select id="key-mode" name="mode"><option>live</option><option>test</option></select></label><button type="submit">Create service key</button></form>
<form class="bar" method="post" action="/console/actions/create-credentials">${csrfField(ctx)}<label for="cred-mode">Mode <select id="cred-mode" name="mode"><option>live</option><option>test</option></select></label><button type="submit">Issue Twilio-style credentials</button></form>` : html`<p>Choose a service above for its keys and Twilio-style credentials.</p>`}
<h2>Admin keys</h2><div class="scroll"><table>${head}<tbody>${admins.body.data.map((k: Record<string, unknown>) => row(k, 'revoke-admin-key'))}</tbody></table></div>
<form class="bar" method="post" action="/console/actions/create-admin-key">${csrfField(ctx)}<label for="admin-name">Name <input id="admin-name" name="name" maxlength="64"></label><button type="submit">Create admin key</button></form>`);
}
