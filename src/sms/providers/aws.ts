import type { ProviderField, ProviderSettings } from '../provider-types.js';
import { requireHttpUrl } from './http-call.js';

/** The settings every AWS provider (SNS, SES) takes: region and, optionally, keys (else the SDK's default chain). */
export const AWS_ACCOUNT_FIELDS: readonly ProviderField[] = [
  { key: 'region', required: true, secret: false, description: 'AWS region', example: 'eu-west-1', validate: (v) => (/^[a-z]{2}(-[a-z]+)+-\d$/.test(v) ? null : 'must be an AWS region such as eu-west-1') },
  { key: 'access_key_id', required: false, secret: false, description: 'Access key id; without it the SDK\'s default chain (env, profile, instance role) is used' },
  { key: 'secret_access_key', required: false, secret: true, description: 'Secret access key' },
];

/** The endpoint override every AWS provider takes. */
export const AWS_ENDPOINT_FIELD: ProviderField = { key: 'endpoint', required: false, secret: false, description: 'Endpoint override (VPC endpoint, tests)', validate: requireHttpUrl };

/**
 * A client's options for one send: credentials belong to this definition only, and the worker
 * owns retries and failover, so the SDK's own retries are off.
 */
export function awsClientOptions(s: ProviderSettings) {
  return {
    region: s.region!,
    maxAttempts: 1,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    ...(s.access_key_id && s.secret_access_key ? { credentials: { accessKeyId: s.access_key_id, secretAccessKey: s.secret_access_key } } : {}),
  };
}
