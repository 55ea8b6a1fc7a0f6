/**
 * Twilio SIDs for otpgate ids, without a mapping table: our ids are ULIDs (48-bit time + 80
 * random bits = 128 bits in 26 Crockford base32 characters), which is exactly the 32 hex
 * digits of a SID. `VA` ↔ `svc_`, `VE` ↔ `ver_`, `VL` ↔ `msg_`, `RK` ↔ `rlk_`, `BL` ↔ `bkt_`, `YW` ↔ `whe_` (webhook endpoints), and `HJ` ↔ `svc_`: a
 * service's message templates are one Twilio template, named by the service's id. The mapping is reversible, so
 * a SID is as stable as the id it stands for.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export const SID_PREFIXES = { VA: 'svc', VE: 'ver', VL: 'msg', RK: 'rlk', BL: 'bkt', YW: 'whe', HJ: 'svc' } as const;
export type SidPrefix = keyof typeof SID_PREFIXES;

export function sidOf(prefix: SidPrefix, id: string): string {
  let value = 0n;
  for (const char of id.slice(id.indexOf('_') + 1)) value = value * 32n + BigInt(ALPHABET.indexOf(char));
  return `${prefix}${value.toString(16).padStart(32, '0')}`;
}

/** The otpgate id behind a SID, or null when `sid` is not a SID of that kind. */
export function idOf(prefix: SidPrefix, sid: string): string | null {
  if (!new RegExp(`^${prefix}[0-9a-fA-F]{32}$`).test(sid)) return null;
  let value = BigInt(`0x${sid.slice(2)}`);
  const chars = new Array<string>(26);
  for (let i = 25; i >= 0; i--) {
    chars[i] = ALPHABET[Number(value % 32n)]!;
    value /= 32n;
  }
  return `${SID_PREFIXES[prefix]}_${chars.join('')}`;
}
