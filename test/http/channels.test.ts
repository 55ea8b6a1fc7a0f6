import { afterEach, describe, expect, it } from 'vitest';
import type { OutgoingMessage, SendResult } from '../../src/core/ports.js';
import { SendError } from '../../src/core/ports.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

const ALL = ['sms', 'whatsapp', 'call', 'email'];

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function outbox(harness: Harness, key: string, to: string) {
  await harness.c.worker.drainOnce();
  const res = await harness.app.inject({ url: `/v1/outbox?to=${encodeURIComponent(to)}`, headers: { authorization: `Bearer ${key}` } });
  return res.json<{ data: Array<{ channel: string; body: string; message_id: string }> }>().data;
}

describe('channels (dev outbox, the zero-set-up path)', () => {
  it('sends a code by WhatsApp, call and email; each is checked like an SMS', async () => {
    h = await createHarness();
    const svc = await h.service({ channels: ALL, resend_cooldown_seconds: 0 });
    for (const [channel, to] of [['whatsapp', '+14155550101'], ['call', '+14155550102'], ['email', 'Ada.Lovelace@Example.COM']] as const) {
      const started = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to, channel } });
      expect(started.statusCode, started.body).toBe(201);
      const v = started.json();
      expect(v.channel).toBe(channel);
      const [entry] = await outbox(h, svc.key, v.to);
      expect(entry?.channel).toBe(channel);
      const code = channel === 'call'
        ? /: ((?:\d, )+\d)\./.exec(entry!.body)![1]!.replace(/, /g, '')
        : /\b(\d{6})\b/.exec(entry!.body)![1]!;
      if (channel === 'call') expect(entry!.body).toMatch(/is: (\d, ){5}\d\. Again, your code is: (\d, ){5}\d\./);
      const check = await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload: { to, code } });
      expect(check.json()).toMatchObject({ status: 'approved', valid: true });
    }
  });

  it('normalises an email address, keeps the code out of the subject unless asked, and refuses disposable domains', async () => {
    h = await createHarness();
    const svc = await h.service({ channels: ['sms', 'email'] });
    const started = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: 'Ada@Bücher.Example' } });
    expect(started.statusCode, started.body).toBe(201);
    expect(started.json()).toMatchObject({ channel: 'email', to: 'Ada@xn--bcher-kva.example', country: null });
    const [entry] = await outbox(h, svc.key, 'Ada@xn--bcher-kva.example');
    const [subject] = entry!.body.split('\n');
    expect(subject).toBe('Your Acme verification code');
    expect(subject).not.toMatch(/\d/);
    const disposable = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: 'someone@mailinator.com' } });
    expect(disposable.statusCode).toBe(403);
    expect(disposable.json().code).toBe('email_not_allowed');
    const bad = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: 'not an address@', channel: 'email' } });
    expect(bad.statusCode).toBe(400);
    const mismatch = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550123', channel: 'email' } });
    expect(mismatch.statusCode).toBe(400);
  });

  it('refuses a channel the service has not enabled, and a call to a country outside its call countries (nothing is sent)', async () => {
    h = await createHarness();
    const svc = await h.service({ channels: ['sms', 'call'], channel_countries: { call: ['GB'] } });
    const whatsapp = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550123', channel: 'whatsapp' } });
    expect(whatsapp.statusCode).toBe(403);
    expect(whatsapp.json()).toMatchObject({ code: 'channel_not_enabled', channel: 'whatsapp' });
    const call = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550123', channel: 'call' } });
    expect(call.statusCode).toBe(403);
    expect(call.json()).toMatchObject({ code: 'country_not_allowed', channel: 'call' });
    expect(await outbox(h, svc.key, '+14155550123')).toEqual([]);
    const sms = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550123' } });
    expect(sms.statusCode).toBe(201);
  });

  it('a resend may name another channel: the same code goes by it, and sends shows both', async () => {
    h = await createHarness();
    const svc = await h.service({ channels: ['sms', 'call'], resend_cooldown_seconds: 0 });
    const to = '+14155550123';
    const first = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to } });
    const smsCode = await h.lastCode(svc.key, to);
    const again = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to, channel: 'call' } });
    expect(again.json().id).toBe(first.json().id);
    const [call] = await outbox(h, svc.key, to);
    expect(call!.channel).toBe('call');
    expect(call!.body.replace(/\D/g, '').slice(0, 6)).toBe(smsCode);
    const fetched = await h.app.inject({ url: `/v1/verifications/${first.json().id}`, headers: svc.auth });
    expect(fetched.json().sends.map((s: { channel: string }) => s.channel)).toEqual(['sms', 'call']);
  });

  it('the channel caps count per channel (channel_daily_caps)', async () => {
    h = await createHarness();
    const svc = await h.service({ channels: ['sms', 'call'], channel_daily_caps: { call: 1 } });
    const one = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550123', channel: 'call' } });
    expect(one.statusCode).toBe(201);
    const two = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550124', channel: 'call' } });
    expect(two.statusCode).toBe(429);
    expect(two.json()).toMatchObject({ code: 'quota_exceeded', quota: 'call_messages' });
    const sms = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550124' } });
    expect(sms.statusCode).toBe(201);
  });
});

/** A provider whose SMS are refused for good; every other channel is recorded. */
function failingSms(sent: OutgoingMessage[]) {
  return () => ({
    name: 'flaky',
    async send(message: OutgoingMessage): Promise<SendResult> {
      if (message.content.channel === 'sms') throw new SendError('unreachable', 'the SMS route is down', false);
      sent.push(message);
      return { providerMessageId: `p_${sent.length}` };
    },
  });
}

describe('fallback between channels', () => {
  it('an SMS every provider refused falls back to WhatsApp, which is approved; each step is a send, an event and a metric', async () => {
    const sent: OutgoingMessage[] = [];
    h = await createHarness({ overrides: { sender: failingSms(sent) } });
    const svc = await h.service({ channels: ['sms', 'whatsapp', 'call'], fallback: ['sms', 'whatsapp', 'call'] });
    const to = '+14155550123';
    const started = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to } });
    expect(started.statusCode).toBe(201);
    await h.c.worker.drainOnce();
    await h.c.worker.drainOnce();
    expect(sent.map((m) => m.content.channel)).toEqual(['whatsapp']);
    const whatsapp = sent[0]!.content;
    if (whatsapp.channel !== 'whatsapp') throw new Error('not whatsapp');
    const id = started.json().id as string;
    const fetched = await h.app.inject({ url: `/v1/verifications/${id}`, headers: svc.auth });
    expect(fetched.json().sends.map((s: { channel: string; status: string }) => [s.channel, s.status])).toEqual([['sms', 'failed'], ['whatsapp', 'sent']]);
    const events = await h.app.inject({ url: '/v1/events?type=verification.fallback', headers: svc.auth });
    expect(events.json().data[0].data).toMatchObject({ id, channel: 'sms', fallback: { from_channel: 'sms', to_channel: 'whatsapp', reason: 'failed' } });
    const metrics = await h.c.metrics.registry.getSingleMetricAsString('otpgate_channel_fallbacks_total');
    expect(metrics).toContain('from="sms",to="whatsapp",reason="failed"} 1');
    const check = await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload: { id, code: whatsapp.code } });
    expect(check.json()).toMatchObject({ status: 'approved' });
  });

  it('with no fallback order, the verification fails as before', async () => {
    const sent: OutgoingMessage[] = [];
    h = await createHarness({ overrides: { sender: failingSms(sent) } });
    const svc = await h.service({ channels: ['sms', 'whatsapp'] });
    const started = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550123' } });
    await h.c.worker.drainOnce();
    const fetched = await h.app.inject({ url: `/v1/verifications/${started.json().id}`, headers: svc.auth });
    expect(fetched.json().status).toBe('failed');
    expect(sent).toEqual([]);
  });

  it('no right check within fallback_after_seconds moves on to the next channel once; an approval stops it', async () => {
    h = await createHarness();
    const svc = await h.service({ channels: ['sms', 'call'], fallback: ['sms', 'call'], fallback_after_seconds: 30 });
    const a = '+14155550123';
    const b = '+14155550124';
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: a } });
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: b } });
    const codeB = await h.lastCode(svc.key, b);
    await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload: { to: b, code: codeB } });
    h.clock.advance(29_000);
    await h.c.fallback.drainOnce();
    expect((await outbox(h, svc.key, a)).map((e) => e.channel)).toEqual(['sms']);
    h.clock.advance(2_000);
    await h.c.fallback.drainOnce();
    await h.c.fallback.drainOnce();
    expect((await outbox(h, svc.key, a)).map((e) => e.channel)).toEqual(['call', 'sms']);
    expect((await outbox(h, svc.key, b)).map((e) => e.channel)).toEqual(['sms']);
  });
});

describe('/v2 channels', () => {
  it('honours Channel=whatsapp|call|email, shows each attempt\'s channel, and refuses sna with 60204', async () => {
    h = await createHarness();
    const svc = await h.service({ channels: ALL });
    const issued = await h.app.inject({ method: 'POST', url: `/v1/services/${svc.id}/basic-credentials`, headers: { authorization: `Bearer ${h.adminKey}` }, payload: { type: 'api_key' } });
    const credential = issued.json<{ sid: string; secret: string; service_sid: string }>();
    const headers = { authorization: `Basic ${Buffer.from(`${credential.sid}:${credential.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' };
    const url = `/v2/Services/${credential.service_sid}/Verifications`;
    for (const [Channel, To] of [['whatsapp', '+14155550101'], ['call', '+14155550102'], ['email', 'ada@example.com']]) {
      const res = await h.app.inject({ method: 'POST', url, headers, payload: new URLSearchParams({ To: To!, Channel: Channel! }).toString() });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ channel: Channel, to: To, send_code_attempts: [{ channel: Channel }] });
    }
    const attempts = await h.app.inject({ url: '/v2/Attempts?Channel=call', headers });
    expect(attempts.json().attempts.map((a: { channel: string }) => a.channel)).toEqual(['call']);
    const sna = await h.app.inject({ method: 'POST', url, headers, payload: new URLSearchParams({ To: '+14155550103', Channel: 'sna' }).toString() });
    expect(sna.statusCode).toBe(400);
    expect(sna.json().code).toBe(60204);
  });
});

describe('email through a real SMTP server', () => {
  it('delivers the code to the SMTP server (subject without the code), and the code read from the email approves', async () => {
    const { startSmtpServer } = await import('../helpers/smtp-server.js');
    const smtp = await startSmtpServer();
    try {
      h = await createHarness({
        env: {
          OTPGATE_EMAIL_PROVIDER: 'smtp',
          OTPGATE_SMTP_URL: `smtp://otpgate:${encodeURIComponent('s3cret:p@ss')}@127.0.0.1:${smtp.port}`,
          OTPGATE_SMTP_REQUIRE_TLS: 'false',
          OTPGATE_EMAIL_FROM: 'Acme <no-reply@acme.example>',
        },
      });
      const svc = await h.service({ channels: ['sms', 'email'] });
      const started = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: 'ada@example.com', channel: 'email' } });
      expect(started.statusCode, started.body).toBe(201);
      await h.c.worker.drainOnce();
      for (let i = 0; i < 100 && smtp.received.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      const sends = (await h.app.inject({ url: `/v1/verifications/${started.json().id}`, headers: svc.auth })).json().sends;
      expect(sends[0], JSON.stringify(h.logs.filter((l) => (l.level as number) >= 40).slice(-3))).toMatchObject({ status: 'sent' });
      const mail = smtp.received[0]!;
      expect(mail.envelope.rcptTo).toEqual(['ada@example.com']);
      expect(mail.mail.from?.value[0]).toMatchObject({ address: 'no-reply@acme.example' });
      expect(mail.mail.subject).toBe('Your Acme verification code');
      const code = /\b(\d{6})\b/.exec(mail.mail.text ?? '')![1]!;
      expect(mail.mail.html).toContain(code);
      const check = await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload: { id: started.json().id, code } });
      expect(check.json()).toMatchObject({ status: 'approved' });
      const fetched = await h.app.inject({ url: `/v1/verifications/${started.json().id}`, headers: svc.auth });
      expect(fetched.json().sends[0]).toMatchObject({ channel: 'email', provider: 'smtp', status: 'sent' });
    } finally {
      await h?.close();
      h = undefined;
      await smtp.close();
    }
  });
});

describe('abuse controls per channel (outside review)', () => {
  it('counts one mailbox however it is written: +tags and Gmail dots share sends_per_phone', async () => {
    h = await createHarness();
    const svc = await h.service({ channels: ['sms', 'email'], velocity_limits: { sends_per_phone: { limit: 3, window_seconds: 3600 } } });
    const answers: number[] = [];
    for (const to of ['ada+1@example.org', 'Ada+2@example.org', 'ada@example.org', 'ada+4@example.org']) {
      answers.push((await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to } })).statusCode);
    }
    expect(answers).toEqual([201, 201, 201, 429]);
    const gmail: number[] = [];
    for (const to of ['a.da@gmail.com', 'ada@googlemail.com', 'a.d.a+x@gmail.com', 'ad.a@gmail.com']) {
      gmail.push((await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to } })).statusCode);
    }
    expect(gmail).toEqual([201, 201, 201, 429]);
  });

  it('calls no number outside any country unless safelisted, and calls landlines (SMS still refuses them)', async () => {
    h = await createHarness();
    const svc = await h.service({ channels: ['sms', 'call'], safelist: ['+881612345679'] });
    const satellite = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+881612345678', channel: 'call' } });
    expect(satellite.statusCode).toBe(403);
    expect(satellite.json()).toMatchObject({ code: 'country_not_allowed', channel: 'call' });
    const listed = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+881612345679', channel: 'call' } });
    expect(listed.statusCode).toBe(201);
    const landline = '+442071838750';
    expect((await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: landline } })).json().code).toBe('unsupported_line_type');
    expect((await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: landline, channel: 'call' } })).statusCode).toBe(201);
  });

  it('a call without its own price costs what an SMS costs, so daily_spend_cap holds once calls are enabled', async () => {
    h = await createHarness();
    const svc = await h.service({ channels: ['sms', 'call'], sms_prices: { '*': 1 }, daily_spend_cap: 2 });
    const answers: number[] = [];
    for (const n of [1, 2, 3]) {
      answers.push((await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: `+1415555014${n}`, channel: 'call' } })).statusCode);
    }
    expect(answers).toEqual([201, 201, 429]);
  });

  it('/v2 Attempts show each message\'s own channel (a fallback call is a call)', async () => {
    const sent: OutgoingMessage[] = [];
    h = await createHarness({ overrides: { sender: failingSms(sent) } });
    const svc = await h.service({ channels: ['sms', 'call'], fallback: ['sms', 'call'] });
    const issued = await h.app.inject({ method: 'POST', url: `/v1/services/${svc.id}/basic-credentials`, headers: { authorization: `Bearer ${h.adminKey}` }, payload: { type: 'api_key' } });
    const credential = issued.json<{ sid: string; secret: string }>();
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550160' } });
    await h.c.worker.drainOnce();
    await h.c.worker.drainOnce();
    const attempts = await h.app.inject({ url: '/v2/Attempts', headers: { authorization: `Basic ${Buffer.from(`${credential.sid}:${credential.secret}`).toString('base64')}` } });
    expect(attempts.json().attempts.map((a: { channel: string }) => a.channel).sort()).toEqual(['call', 'sms']);
  });
});
