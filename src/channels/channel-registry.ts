import type { Channel } from '../core/model.js';
import { callChannel } from './call.channel.js';
import type { ChannelModule } from './channel.js';
import { emailChannel } from './email.channel.js';
import { smsChannel } from './sms.channel.js';
import { whatsappChannel } from './whatsapp.channel.js';

/** Every channel otpgate can send a code by. Adding one = one module + one line here (and providers that declare it). */
export const CHANNEL_MODULES: Readonly<Record<Channel, ChannelModule>> = Object.freeze({
  sms: smsChannel,
  whatsapp: whatsappChannel,
  call: callChannel,
  email: emailChannel,
});

export function channelModule(channel: Channel): ChannelModule {
  return CHANNEL_MODULES[channel];
}
