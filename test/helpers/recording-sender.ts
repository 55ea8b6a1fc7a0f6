import type { OutgoingSms, SmsSender } from '../../src/core/ports.js';

/** A provider that records what it is asked to send: stands for a real, billed one in tests. */
export class RecordingSender implements SmsSender {
  readonly sent: OutgoingSms[] = [];
  constructor(readonly name = 'recording') {}
  async send(sms: OutgoingSms) {
    this.sent.push(sms);
    return { providerMessageId: `rec-${this.sent.length}` };
  }
  codeOf(index = -1): string {
    const sms = this.sent.at(index);
    const code = sms && /\b(\d{4,10})\b/.exec(sms.body)?.[1];
    if (!code) throw new Error('no SMS sent');
    return code;
  }
}
