import { html } from './html.js';
import type { Html } from './html.js';
import { problem, svcQuery } from './console-pages.js';
import type { Ctx } from './console-pages.js';
import { abuse, keys, settings, webhooks } from './console-admin-pages.js';

export type ActionResult = { redirect: string } | { page: Html; status?: number };
type Action = (ctx: Ctx, form: Record<string, string>) => Promise<ActionResult>;

const svc = (ctx: Ctx, tail = '') => `/v1/services/${encodeURIComponent(ctx.serviceId ?? '')}${tail}`;
const done = (ctx: Ctx, page: string, notice: string): ActionResult => ({ redirect: `/console/${page}${svcQuery(ctx, `notice=${encodeURIComponent(notice)}`)}` });
const secret = (label: string, value: string) => html`<div class="notice" role="status">${label} — shown once, copy it now: <span class="secret">${value}</span></div>`;

/** The console's changes: each one API call as the signed-in key (so its rules and its audit record apply). */
export const ACTIONS: Record<string, Action> = {
  'lift-prefix': async (ctx, form) => {
    const res = await ctx.api('DELETE', svc(ctx, `/prefix-blocks/${encodeURIComponent(form.prefix ?? '')}`));
    return res.status === 204 ? done(ctx, 'abuse', `Block of ${form.prefix} lifted.`) : { page: await abuse(ctx, problem(res)), status: res.status };
  },
  'save-settings': async (ctx, form) => {
    let patch: unknown;
    try {
      patch = JSON.parse(form.settings ?? '');
    } catch {
      return { page: await settings(ctx, html`<div class="error" role="alert">The settings are not valid JSON.</div>`), status: 400 };
    }
    const res = await ctx.api('PATCH', svc(ctx), patch);
    return res.status === 200 ? done(ctx, 'settings', 'Settings saved.') : { page: await settings(ctx, problem(res)), status: res.status };
  },
  'save-template': async (ctx, form) => {
    const locale = form.locale ?? '';
    const res = await ctx.api('PUT', svc(ctx, `/templates/${encodeURIComponent(locale)}`), { text: form.text ?? '' });
    return res.status === 200 ? done(ctx, 'settings', `Template ${locale} saved.`) : { page: await settings(ctx, problem(res), { locale, text: form.text ?? '' }), status: res.status };
  },
  'rotate-secret': async (ctx, form) => {
    const res = await ctx.api('POST', `/v1/webhooks/${encodeURIComponent(form.id ?? '')}/rotate-secret`, {});
    return { page: await webhooks(ctx, res.status === 200 ? secret('New signing secret', res.body.secret) : problem(res)), status: res.status === 200 ? 200 : res.status };
  },
  redeliver: async (ctx, form) => {
    const res = await ctx.api('POST', `/v1/webhooks/${encodeURIComponent(form.id ?? '')}/redeliver`, { event_id: form.event_id ?? '' });
    return res.status < 300 ? done(ctx, 'webhooks', `Event ${form.event_id} queued again.`) : { page: await webhooks(ctx, problem(res)), status: res.status };
  },
  'create-key': async (ctx, form) => {
    const res = await ctx.api('POST', svc(ctx, '/keys'), { ...(form.name ? { name: form.name } : {}), mode: form.mode === 'test' ? 'test' : 'live' });
    return { page: await keys(ctx, res.status === 201 ? secret(`New ${res.body.mode} key ${res.body.id}`, res.body.key) : problem(res)), status: res.status === 201 ? 200 : res.status };
  },
  'create-credentials': async (ctx, form) => {
    const res = await ctx.api('POST', svc(ctx, '/basic-credentials'), { mode: form.mode === 'test' ? 'test' : 'live' });
    const b = res.body ?? {};
    return { page: await keys(ctx, res.status === 201 ? secret(`Credentials ${b.sid ?? b.username ?? ''}`, JSON.stringify(b)) : problem(res)), status: res.status === 201 ? 200 : res.status };
  },
  'revoke-key': async (ctx, form) => {
    const res = await ctx.api('DELETE', svc(ctx, `/keys/${encodeURIComponent(form.id ?? '')}`));
    return res.status < 300 ? done(ctx, 'keys', `Key ${form.id} revoked.`) : { page: await keys(ctx, problem(res)), status: res.status };
  },
  'create-admin-key': async (ctx, form) => {
    const res = await ctx.api('POST', '/v1/admin-keys', form.name ? { name: form.name } : {});
    return { page: await keys(ctx, res.status === 201 ? secret(`New admin key ${res.body.id}`, res.body.key) : problem(res)), status: res.status === 201 ? 200 : res.status };
  },
  'revoke-admin-key': async (ctx, form) => {
    const res = await ctx.api('DELETE', `/v1/admin-keys/${encodeURIComponent(form.id ?? '')}`);
    return res.status < 300 ? done(ctx, 'keys', `Admin key ${form.id} revoked.`) : { page: await keys(ctx, problem(res)), status: res.status };
  },
};
