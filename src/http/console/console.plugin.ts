import { readFileSync } from 'node:fs';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container.js';
import type { Principal } from '../../core/tenancy.service.js';
import { ConsoleSessions, SESSION_COOKIE, SESSION_TTL_MS, SIGN_IN_COOKIE, cookie, newToken, sameToken, setCookie } from './console-session.js';
import type { ConsoleSession } from './console-session.js';
import { html } from './html.js';
import type { Html } from './html.js';
import { PAGES, layout, signInPage } from './console-pages.js';
import type { Ctx, PageName } from './console-pages.js';
import { ACTIONS } from './console-actions.js';

/** What the console's pages and scripts may load: only this origin, no inline script or style, no framing. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const ASSETS: Record<string, string> = { 'console.css': 'text/css; charset=utf-8', 'console.js': 'text/javascript; charset=utf-8' };
const assetDir = new URL('./assets/', import.meta.url);

export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * The operator console at /console: server-rendered pages (no framework, no CDN: two small files
 * in the package), signed in with an admin or service key kept server-side behind an HttpOnly,
 * SameSite=Strict session cookie. Every figure and every change goes through the public API as
 * the signed-in key (an in-process request, `inject`, from the browser's address), so the API's
 * rules — scopes, test mode as its own world (T1), validation, audit — hold in the console exactly
 * as for any client. Changes need the session's CSRF token as well as the cookie.
 */
export const consoleRoutes = (c: Container) => async (app: FastifyInstance): Promise<void> => {
  // Pages, not API operations: kept out of the OpenAPI document.
  app.addHook('onRoute', (route) => {
    route.schema = { ...(route.schema ?? {}), hide: true };
  });
  await app.register(formbody);
  const sessions = new ConsoleSessions(c.store, c.vault, c.clock);
  const assets = new Map(Object.keys(ASSETS).map((name) => [name, readFileSync(new URL(name, assetDir))]));

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', CONSOLE_CSP);
    reply.header('x-frame-options', 'DENY');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  const secure = (request: FastifyRequest) => request.protocol === 'https';
  const page = (reply: FastifyReply, body: Html, status = 200) => reply.code(status).type('text/html; charset=utf-8').send(`<!doctype html>${body.value}`);

  /** Calls the public API as the session's key, from the browser's address (T4: one origin). */
  const callApi = async (request: FastifyRequest, key: string, method: string, url: string, payload?: unknown): Promise<ApiAnswer> => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      remoteAddress: request.ip,
      headers: { authorization: `Bearer ${key}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
    let body: unknown = null;
    try {
      body = res.body ? JSON.parse(res.body) : null;
    } catch {
      body = null;
    }
    return { status: res.statusCode, body };
  };

  /** The signed-in context of a request, or null (no session, expired, or its key no longer authenticates). */
  const contextOf = async (request: FastifyRequest): Promise<Ctx | null> => {
    const session: ConsoleSession | null = await sessions.find(cookie(request.headers.cookie, SESSION_COOKIE));
    if (!session) return null;
    let principal: Principal;
    try {
      principal = await c.tenancy.authenticate(session.key);
    } catch {
      await sessions.end(session.id);
      return null;
    }
    const query = request.query as Record<string, string | undefined>;
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const isAdmin = principal.key.kind === 'admin';
    let services: Array<{ id: string; name: string }> = [];
    let serviceId: string | null = principal.tenant?.serviceId ?? null;
    if (isAdmin) {
      const listed = await callApi(request, session.key, 'GET', '/v1/services?limit=100');
      services = (listed.body?.data ?? []).map((s: { id: string; name: string }) => ({ id: s.id, name: s.name }));
      const asked = query.service ?? body.service;
      serviceId = asked && services.some((s) => s.id === asked) ? asked : null;
    }
    return {
      c, request, session, principal, isAdmin, services, serviceId,
      mode: principal.tenant?.mode ?? 'live',
      api: (method, url, payload) => callApi(request, session.key, method, url, payload),
      notice: typeof query.notice === 'string' ? query.notice.slice(0, 300) : null,
    };
  };

  app.get('/console', async (_request, reply) => reply.redirect('/console/overview', 302));

  app.get<{ Params: { file: string } }>('/console/assets/:file', async (request, reply) => {
    const file = assets.get(request.params.file);
    if (!file) return reply.code(404).type('text/plain').send('not found');
    return reply.header('cache-control', 'public, max-age=3600').type(ASSETS[request.params.file]!).send(file);
  });

  app.get('/console/sign-in', async (request, reply) => {
    const token = newToken();
    reply.header('set-cookie', setCookie(SIGN_IN_COOKIE, token, { secure: secure(request), maxAgeSeconds: 1800 }));
    return page(reply, signInPage(token, null));
  });

  app.post<{ Body: { key?: string; token?: string } }>('/console/sign-in', async (request, reply) => {
    const fresh = newToken();
    reply.header('set-cookie', setCookie(SIGN_IN_COOKIE, fresh, { secure: secure(request), maxAgeSeconds: 1800 }));
    const expected = cookie(request.headers.cookie, SIGN_IN_COOKIE);
    if (!expected || !sameToken(request.body?.token, expected)) {
      return page(reply, signInPage(fresh, 'The sign-in form expired or did not come from this console (CSRF check). Try again.'), 403);
    }
    const key = String(request.body?.key ?? '').trim();
    try {
      await c.tenancy.authenticate(key);
    } catch {
      return page(reply, signInPage(fresh, 'That key is not valid (or was revoked).'), 401);
    }
    const session = await sessions.create(key);
    reply.header('set-cookie', [
      setCookie(SESSION_COOKIE, session.id, { secure: secure(request), maxAgeSeconds: SESSION_TTL_MS / 1000 }),
      setCookie(SIGN_IN_COOKIE, '', { secure: secure(request), maxAgeSeconds: 0 }),
    ]);
    return reply.redirect('/console/overview', 303);
  });

  /** Changes need the session and its CSRF token (a form field, or the X-CSRF-Token header for scripts). */
  const guardChange = async (request: FastifyRequest, reply: FastifyReply): Promise<Ctx | null> => {
    const ctx = await contextOf(request);
    if (!ctx) {
      await page(reply, html`<title>Signed out</title><p>Your session ended. <a href="/console/sign-in">Sign in</a>.</p>`, 401);
      return null;
    }
    const body = (request.body ?? {}) as Record<string, unknown>;
    const given = typeof body._csrf === 'string' ? body._csrf : (request.headers['x-csrf-token'] as string | undefined);
    if (!sameToken(given, ctx.session.csrf)) {
      await page(reply, layout(ctx, 'overview', 'Refused', html`<div class="error" role="alert">This change was refused: its CSRF token is missing or wrong. Reload the page and try again.</div>`), 403);
      return null;
    }
    return ctx;
  };

  app.post('/console/sign-out', async (request, reply) => {
    const ctx = await guardChange(request, reply);
    if (!ctx) return reply;
    await sessions.end(ctx.session.id);
    reply.header('set-cookie', setCookie(SESSION_COOKIE, '', { secure: secure(request), maxAgeSeconds: 0 }));
    return reply.redirect('/console/sign-in', 303);
  });

  for (const name of Object.keys(PAGES) as PageName[]) {
    app.get(`/console/${name}`, async (request, reply) => {
      const ctx = await contextOf(request);
      if (!ctx) return reply.redirect('/console/sign-in', 302);
      return page(reply, await PAGES[name](ctx));
    });
  }

  app.get<{ Params: { id: string } }>('/console/verifications/:id', async (request, reply) => {
    const ctx = await contextOf(request);
    if (!ctx) return reply.redirect('/console/sign-in', 302);
    return page(reply, await PAGES.verifications(ctx, request.params.id));
  });

  app.post<{ Params: { name: string } }>('/console/actions/:name', async (request, reply) => {
    const ctx = await guardChange(request, reply);
    if (!ctx) return reply;
    const action = Object.hasOwn(ACTIONS, request.params.name) ? ACTIONS[request.params.name] : undefined;
    if (!action) return reply.code(404).type('text/plain').send('no such action');
    const result = await action(ctx, (request.body ?? {}) as Record<string, string>);
    if ('redirect' in result) return reply.redirect(result.redirect, 303);
    return page(reply, result.page, result.status ?? 200);
  });

  app.post<{ Body: { text?: string; locale?: string } }>('/console/api/template-preview/:locale', async (request, reply) => {
    const ctx = await guardChange(request, reply);
    if (!ctx) return reply;
    const { locale } = request.params as { locale: string };
    if (!ctx.serviceId) return reply.code(400).send({ detail: 'Choose a service first.' });
    const res = await ctx.api('POST', `/v1/services/${encodeURIComponent(ctx.serviceId)}/templates/${encodeURIComponent(locale)}/preview`, { text: String(request.body?.text ?? '') });
    return reply.code(res.status).type('application/json').send(res.body);
  });
};
