/**
 * `npx tsx bench/idle-rss.ts`: the idle-memory figure of the bench report on its own, in a few
 * seconds (build first: it starts dist/main.js).
 */
import { measureIdleRss } from './lib/idle-rss.js';

const idle = await measureIdleRss();
const mb = (bytes: number) => Math.round(bytes / 104857.6) / 10;
process.stdout.write(`${JSON.stringify({ otpgate_mb: mb(idle.otpgateBytes), bare_node_mb: mb(idle.bareNodeBytes), settle_ms: idle.settleMs })}\n`);
