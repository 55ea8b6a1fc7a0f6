import { newId } from './ids.js';
import type { Channel, MessageRecord, VerificationRecord } from './model.js';
import type { Clock, RandomSource } from './ports.js';

/** A verification's next message on `channel`, queued now (suppressed for a test number: nothing is sent). */
export function newMessage(verification: VerificationRecord, channel: Channel, now: number, clock: Clock, random: RandomSource): MessageRecord {
  return {
    id: newId('msg', clock, random),
    verificationId: verification.id,
    serviceId: verification.serviceId,
    mode: verification.mode,
    channel,
    to: verification.to,
    status: verification.isTest ? 'suppressed' : 'queued',
    attempts: 0,
    nextAttemptAt: now,
    leaseUntil: null,
    leaseOwner: null,
    provider: null,
    providerMessageId: null,
    errorCode: null,
    createdAt: now,
    updatedAt: now,
  };
}
