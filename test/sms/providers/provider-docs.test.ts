import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROVIDER_MODULES } from '../../../src/sms/provider-registry.js';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const envName = (type: string, key: string) => `OTPGATE_${type.toUpperCase()}_${key.toUpperCase()}`;

describe('provider settings are documented', () => {
  // Twilio, Sinch and WhatsApp name each variable in full; some older rows abbreviate (`…_DLR_SECRET`).
  it('docs/providers.md names every Twilio, Sinch and WhatsApp setting by its variable', () => {
    const docs = read('docs/providers.md');
    const modules = ['twilio', 'sinch', 'whatsapp'].map((type) => PROVIDER_MODULES[type]!);
    const missing = modules.flatMap((m) => m.fields.map((f) => envName(m.type, f.key))).filter((name) => !docs.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('.env.example lists the WhatsApp and voice-call settings, commented, with their defaults', () => {
    const example = read('.env.example');
    const channelSettings = [
      ...PROVIDER_MODULES.whatsapp!.fields.map((f) => envName('whatsapp', f.key)),
      ...PROVIDER_MODULES.twilio!.fields.filter((f) => /^(whatsapp|call)_/.test(f.key)).map((f) => envName('twilio', f.key)),
      ...PROVIDER_MODULES.sinch!.fields.filter((f) => /^(application|call|voice)_/.test(f.key)).map((f) => envName('sinch', f.key)),
    ];
    expect(channelSettings.length).toBeGreaterThan(12);
    for (const name of channelSettings) expect(example, name).toMatch(new RegExp(`^# ${name}=`, 'm'));
    expect(example).toMatch(/^# OTPGATE_WHATSAPP_API_VERSION=v27\.0$/m);
    expect(example).toMatch(/^# OTPGATE_SINCH_VOICE_API_URL=https:\/\/calling\.api\.sinch\.com$/m);
  });
});
