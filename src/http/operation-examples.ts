/**
 * Whole request and response examples for the main flow (create a service and a key, start,
 * read the dev outbox, check, fetch, cancel), added to the OpenAPI document as named media-type
 * examples. Field-level examples sit on the schemas; these show a complete exchange, which is
 * what people copy. test/http/openapi.test.ts validates every one against its schema, so an
 * example cannot drift from the contract.
 */

interface Example {
  summary: string;
  value: unknown;
}

export interface OperationExamples {
  /** Named examples of the JSON request body. */
  request?: Record<string, Example>;
  /** Named examples per response status. */
  responses?: Record<string, Record<string, Example>>;
}

const VERIFICATION_ID = 'ver_01jf3k9x2m8q7r6t5v4w3y2z1a';
const SERVICE_ID = 'svc_01jf3k9x2m8q7r6t5v4w3y2z1a';
const AT = '2026-11-25T21:00:00.000Z';
const EXPIRES = '2026-11-25T21:05:00.000Z';

const verification = (overrides: Record<string, unknown>) => ({
  id: VERIFICATION_ID,
  service_id: SERVICE_ID,
  mode: 'live',
  to: '+14155550123',
  country: 'US',
  channel: 'sms',
  status: 'pending',
  locale: 'en',
  expires_at: EXPIRES,
  attempts_remaining: 5,
  sends: [{ message_id: 'msg_01jf3k9x2m8q7r6t5v4w3y2z1a', channel: 'sms', at: AT, status: 'sent', provider: 'console', error_code: null }],
  resend_available_at: '2026-11-25T21:00:30.000Z',
  created_at: AT,
  updated_at: AT,
  ...overrides,
});

const problem = (code: string, status: number, title: string, detail: string, extra: Record<string, unknown> = {}) => ({
  type: `urn:otpgate:error:${code}`,
  code,
  title,
  status,
  detail,
  request_id: 'req_3k9x2m',
  ...extra,
});

/** Keyed by operation id (src/http/operations.ts). */
export const OPERATION_EXAMPLES: Readonly<Record<string, OperationExamples>> = {
  createService: {
    request: {
      minimal: { summary: 'A name is all it takes; every setting has a default', value: { name: 'Acme' } },
      tuned: {
        summary: 'Eight-digit codes for ten minutes, SMS to three countries only',
        value: { name: 'Acme payments', code_length: 8, ttl_seconds: 600, allowed_countries: ['US', 'CA', 'GB'], webotp_domain: 'acme.com' },
      },
    },
  },
  createServiceKey: {
    request: {
      live: { summary: 'A live key for your backend', value: { name: 'backend-prod' } },
      test: { summary: 'A test-mode key: test data only, SMS to the dev outbox only', value: { name: 'ci', mode: 'test' } },
    },
    responses: {
      201: {
        created: {
          summary: 'The key is shown once: store it now',
          value: {
            id: 'key_01jf3k9x2m8q7r6t5v4w3y2z1a', key: 'og_live_4hQeVd0cYkq1bT3dFQ2bJm4Y7s9KxW1z', service_id: SERVICE_ID,
            name: 'backend-prod', prefix: 'og_live_4hQe', mode: 'live', created_at: AT,
          },
        },
      },
    },
  },
  createVerification: {
    request: {
      sms: { summary: 'Send a code by SMS', value: { to: '+14155550123' } },
      bound: {
        summary: 'A code bound to a payment, with the end user\'s IP for the velocity limits',
        value: { to: '+14155550123', context: { action: 'payment', amount: '49.90 EUR', payee: 'ACME Ltd' }, client_ip: '203.0.113.7' },
      },
    },
    responses: {
      201: { started: { summary: 'Queued durably; the SMS is on its way', value: verification({}) } },
      429: {
        rate_limited: {
          summary: 'Too many SMS to this number (Retry-After and RateLimit headers say when to try again)',
          value: problem('rate_limited', 429, 'Too many requests', 'Too many SMS to this number; retry in 1800 s.'),
        },
      },
    },
  },
  checkVerification: {
    request: {
      by_number: { summary: 'Check the code the person typed, by phone number', value: { to: '+14155550123', code: '123456' } },
      by_id: { summary: 'Or by the verification id', value: { id: VERIFICATION_ID, code: '123456' } },
    },
    responses: {
      200: {
        approved: {
          summary: 'The right code: approved, and spent',
          value: { id: VERIFICATION_ID, to: '+14155550123', status: 'approved', valid: true, attempts_remaining: 4, expires_at: EXPIRES },
        },
        wrong: {
          summary: 'A wrong code: still pending, one attempt fewer',
          value: { id: VERIFICATION_ID, to: '+14155550123', status: 'pending', valid: false, attempts_remaining: 4, expires_at: EXPIRES },
        },
      },
      429: {
        max_attempts_reached: {
          summary: 'Too many wrong codes: the verification is dead, even for the right code',
          value: problem('max_attempts_reached', 429, 'Maximum check attempts reached', 'No check attempts are left.', {
            verification_id: VERIFICATION_ID, verification_status: 'max_attempts_reached',
          }),
        },
      },
    },
  },
  getVerification: {
    responses: { 200: { approved: { summary: 'An approved verification', value: verification({ status: 'approved', attempts_remaining: 4, resend_available_at: null }) } } },
  },
  cancelVerification: {
    responses: { 200: { canceled: { summary: 'Canceled: its code no longer works', value: verification({ status: 'canceled', resend_available_at: null }) } } },
  },
  listOutboxMessages: {
    responses: {
      200: {
        one: {
          summary: 'What the console provider "sent"',
          value: {
            data: [{
              id: 'obx_01jf3k9x2m8q7r6t5v4w3y2z1a', channel: 'sms', to: '+14155550123', body: '123456 is your Acme verification code. Do not share it.',
              verification_id: VERIFICATION_ID, message_id: 'msg_01jf3k9x2m8q7r6t5v4w3y2z1a', created_at: AT,
            }],
          },
        },
      },
    },
  },
};

type Media = { examples?: Record<string, Example> };
type DocumentOperation = {
  operationId?: string;
  requestBody?: { content?: Record<string, Media> };
  responses?: Record<string, { content?: Record<string, Media> }>;
};

/** Adds the examples to the operations of a generated document (in place), by operation id. */
export function addOperationExamples(paths: Record<string, Record<string, DocumentOperation>>): void {
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      const examples = operation.operationId === undefined ? undefined : OPERATION_EXAMPLES[operation.operationId];
      if (!examples) continue;
      const requestMedia = operation.requestBody?.content?.['application/json'];
      if (examples.request && requestMedia) requestMedia.examples = { ...requestMedia.examples, ...examples.request };
      for (const [status, named] of Object.entries(examples.responses ?? {})) {
        const media = operation.responses?.[status]?.content?.['application/json'];
        if (media) media.examples = { ...media.examples, ...named };
      }
    }
  }
}
