import { closest, distance } from 'fastest-levenshtein';
import { PROVIDER_TYPES, providerModule } from './sms/provider-registry.js';

/**
 * Names otpgate knows without reading them here: OTPGATE_WORKERS is read by the container
 * image's command line (Dockerfile); OTPGATE_TEST_* belong to the test suite.
 */
const KNOWN_ELSEWHERE = ['OTPGATE_WORKERS'];

/** Every OTPGATE_* name otpgate knows: `read` (what loadConfig read), and every provider's settings, configured or not. */
export function knownVariablesFrom(read: ReadonlySet<string>): string[] {
  const providerFields = PROVIDER_TYPES.flatMap((type) => providerModule(type)!.fields.map((field) => `OTPGATE_${type.toUpperCase()}_${field.key.toUpperCase()}`));
  return [...new Set([...read, ...providerFields, ...KNOWN_ELSEWHERE])].sort();
}

/** OTPGATE_* names in `env` that otpgate does not know, each with the closest known name (or null). */
export function unknownVariablesIn(env: Readonly<Record<string, string | undefined>>, read: ReadonlySet<string>): Array<{ name: string; closest: string | null }> {
  const known = knownVariablesFrom(read);
  return Object.keys(env)
    .filter((name) => name.startsWith('OTPGATE_') && !/^OTPGATE_TEST_/.test(name) && !known.includes(name))
    .sort()
    .map((name) => {
      const nearest = closest(name, known);
      // Within half the name's length: OTPGATE_PROT → OTPGATE_PORT, OTPGATE_DATABASE → OTPGATE_DATABASE_URL; nothing for OTPGATE_SOMETHING_ELSE.
      return { name, closest: distance(name, nearest) <= Math.max(3, Math.floor((name.length - 'OTPGATE_'.length) / 2)) ? nearest : null };
    });
}
