export { createOtpgateClient } from './client.js';
export type {
  CheckResult,
  CheckVerificationRequest,
  OtpgateClient,
  OtpgateClientOptions,
  RequestOptions,
  StartOptions,
  StartVerificationRequest,
  Verification,
} from './client.js';
export { isProblem, OtpgateProblem } from './problem.js';
export type { ProblemBody } from './problem.js';
/** The generated types of the whole contract (openapi-typescript), for `api` calls and your own code. */
export type { components, operations, paths } from './schema.js';
