import type { Locale } from './locales.js';

/**
 * What calls and emails say, per locale. (Placeholder of the channel spine: English for every
 * locale until the translated table lands.)
 */
export interface LocalePhrases {
  /** BCP 47 tag for text-to-speech engines (e.g. 'en-US', 'ja-JP', 'pt-BR', 'ar-SA'). */
  speech: string;
  /** Said before the digits: "Your {service} verification code is" (no trailing punctuation). */
  voiceIntro: string;
  /** Said before the second reading: "Again, your code is". */
  voiceRepeat: string;
  /** Email subject without the code: "Your {service} verification code". */
  emailSubject: string;
  /** Email subject with the code, used only when the service asks: "{code} is your {service} verification code". */
  emailSubjectWithCode: string;
  /** "Enter this code to verify with {service}:" */
  emailIntro: string;
  /** "This code expires in {minutes} minutes." */
  emailExpiry: string;
  /** "Do not share this code with anyone. {service} will never ask you for it." */
  emailDoNotShare: string;
  /** "If you did not request this code, you can ignore this email." */
  emailIgnore: string;
  direction: 'ltr' | 'rtl';
}

const EN: LocalePhrases = {
  speech: 'en-US',
  voiceIntro: 'Your {service} verification code is',
  voiceRepeat: 'Again, your code is',
  emailSubject: 'Your {service} verification code',
  emailSubjectWithCode: '{code} is your {service} verification code',
  emailIntro: 'Enter this code to verify with {service}:',
  emailExpiry: 'This code expires in {minutes} minutes.',
  emailDoNotShare: 'Do not share this code with anyone. {service} will never ask you for it.',
  emailIgnore: 'If you did not request this code, you can ignore this email.',
  direction: 'ltr',
};

export function phrasesFor(_locale: Locale): LocalePhrases {
  return EN;
}
