import { Type } from '@sinclair/typebox';

/** Schemas of the per-service SMS settings (providers, routes, sender ids). */

const Country = Type.String({ pattern: '^[A-Z]{2}$' });
const ProviderName = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$', description: 'Name used in routes and in the receipt URL', examples: ['kannel-main'] });

export const SmsProviderSchema = Type.Object(
  {
    name: ProviderName,
    type: Type.String({ maxLength: 32, description: 'Provider type: console, kannel, http, twilio, vonage, …', examples: ['kannel'] }),
    settings: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 4096 }), {
        description: 'The provider\'s settings (docs/providers.md). Credentials are sealed at rest and shown as "********"; sending "********" back keeps the stored value.',
        examples: [{ url: 'http://127.0.0.1:13013', username: 'otpgate', password: 's3cret', dlr_secret: 'a-long-random-string' }],
      }),
    ),
  },
  { additionalProperties: false },
);

const Route = Type.Array(ProviderName, { minItems: 1, maxItems: 10, description: 'Provider names in the order they are tried' });

export const SmsSettingsBody = Type.Object(
  {
    providers: Type.Array(SmsProviderSchema, { maxItems: 10, description: 'This service\'s own providers' }),
    route: Type.Optional(Route),
    country_routes: Type.Optional(Type.Record(Country, Route, { description: 'Per-country routes (ISO 3166-1 alpha-2)', examples: [{ DE: ['kannel-main', 'twilio'] }] })),
    sender_id: Type.Optional(Type.Union([Type.String({ maxLength: 16 }), Type.Null()], { description: 'Alphanumeric (1–11 of A–Z a–z 0–9 space, one letter at least) or a number', examples: ['Acme'] })),
    country_sender_ids: Type.Optional(Type.Record(Country, Type.String({ maxLength: 16 }), { examples: [{ US: '+14155550100' }] })),
    country_messaging_services: Type.Optional(Type.Record(Country, Type.String({ pattern: '^MG[0-9a-fA-F]{32}$' }), {
      description: 'Per-country Twilio Messaging Service SIDs, used by Twilio providers (also /v2/Services/{sid}/MessagingConfigurations)',
      examples: [{ GB: 'MG0123456789abcdef0123456789abcdef' }],
    })),
    numeric_sender: Type.Optional(Type.Union([Type.String({ maxLength: 16 }), Type.Null()], { description: 'Used where alphanumeric sender ids are not allowed (US, CA, …)', examples: ['+14155550100'] })),
    channel_routes: Type.Optional(Type.Object({ whatsapp: Type.Optional(Route), call: Type.Optional(Route), email: Type.Optional(Route) }, {
      additionalProperties: false,
      description: 'Providers of the other channels, in the order they are tried (each must send that channel); a channel left out uses the instance\'s route for it',
      examples: [{ whatsapp: ['twilio'], call: ['twilio', 'vonage'], email: ['smtp'] }],
    })),
    email_from: Type.Optional(Type.Union([Type.String({ maxLength: 320 }), Type.Null()], { description: 'Sender of emails: an address or "Name <address>"; null uses the instance\'s (OTPGATE_EMAIL_FROM)', examples: ['Acme <no-reply@acme.com>'] })),
  },
  { additionalProperties: false },
);

export const SmsSettings = Type.Object({
  source: Type.Union([Type.Literal('service'), Type.Literal('instance')], { description: 'Whether the service has its own settings or uses the instance\'s (env)' }),
  providers: Type.Array(
    Type.Object({
      name: Type.String({ description: 'Name used in routes and receipt URLs', examples: ['kannel-main'] }),
      type: Type.String({ description: 'Provider type', examples: ['kannel'] }),
      settings: Type.Record(Type.String(), Type.String(), { description: 'Settings; credentials shown as "********"', examples: [{ url: 'http://127.0.0.1:13013', password: '********' }] }),
    }),
    { description: 'Configured providers' },
  ),
  route: Type.Array(Type.String(), { description: 'Provider names in the order they are tried', examples: [['kannel-main', 'twilio']] }),
  country_routes: Type.Record(Type.String(), Type.Array(Type.String()), { description: 'Per-country routes', examples: [{ DE: ['twilio'] }] }),
  sender_id: Type.Union([Type.String(), Type.Null()], { description: 'Default sender id or number', examples: ['Acme'] }),
  country_sender_ids: Type.Record(Type.String(), Type.String(), { description: 'Per-country sender ids', examples: [{ US: '+14155550100' }] }),
  country_messaging_services: Type.Record(Type.String(), Type.String(), { description: 'Per-country Twilio Messaging Service SIDs (Twilio providers only)', examples: [{ GB: 'MG0123456789abcdef0123456789abcdef' }] }),
  numeric_sender: Type.Union([Type.String(), Type.Null()], { description: 'Used where alphanumeric ids are refused', examples: ['+14155550100'] }),
  channel_routes: Type.Record(Type.String(), Type.Array(Type.String()), { description: 'Routes of the other channels (whatsapp, call, email)', examples: [{ email: ['smtp'] }] }),
  email_from: Type.Union([Type.String(), Type.Null()], { description: 'Sender of emails', examples: ['Acme <no-reply@acme.com>'] }),
});
