import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { cryptoRandom } from './random.js';
import { generateWebhookSecret, isWebhookSecret, signWebhook, webhookHeaders } from './webhook-signature.js';

describe('Standard Webhooks signatures (H4)', () => {
  it('matches the known answer of security.md H4', () => {
    const signature = signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('is accepted by the official standardwebhooks package, and a changed body is not', () => {
    const secret = generateWebhookSecret(cryptoRandom);
    expect(isWebhookSecret(secret)).toBe(true);
    const body = '{"type":"verification.approved","data":{"id":"ver_x"}}';
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([secret], 'evt_1', timestamp, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('approved', 'canceled'), headers)).toThrow();
    expect(() => new Webhook(generateWebhookSecret(cryptoRandom)).verify(body, headers)).toThrow();
  });

  it('signs with every secret during a rotation, so the old and the new one both verify', () => {
    const [oldSecret, newSecret] = [generateWebhookSecret(cryptoRandom), generateWebhookSecret(cryptoRandom)];
    const body = '{}';
    const headers = webhookHeaders([newSecret, oldSecret], 'evt_2', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, headers)).not.toThrow();
  });
});
