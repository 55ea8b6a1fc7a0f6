import { phrasesFor } from '../sms/phrases.js';
import { cleanName, fill } from './channel.js';
import type { ChannelModule, RenderInput, RenderedMessage } from './channel.js';

/**
 * The code as text-to-speech reads it best: one digit at a time with a pause between (a comma),
 * so "123456" is not read as a number ("one hundred twenty-three thousand…").
 */
export function spokenDigits(code: string): string {
  return [...code].join(', ');
}

/**
 * Voice call: the person's language says the intro, the digits one by one, then again (people
 * reach for a pen after the first reading). Providers read `speech` once, in `language`.
 */
export const callChannel: ChannelModule = {
  name: 'call',
  address: 'phone',
  templated: false,
  render(input: RenderInput): RenderedMessage {
    const phrases = phrasesFor(input.locale);
    const say = (code: string) => {
      const digits = spokenDigits(code);
      return `${fill(phrases.voiceIntro, { service: cleanName(input.serviceName) })}: ${digits}. ${phrases.voiceRepeat}: ${digits}.`;
    };
    const speech = say(input.code);
    return {
      body: speech,
      redactedBody: say('*'.repeat(input.code.length)),
      content: { channel: 'call', speech, language: phrases.speech, voice: input.settings.call_voice },
    };
  },
};
