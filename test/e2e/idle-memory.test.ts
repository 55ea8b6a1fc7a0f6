import { describe, expect, it } from 'vitest';
import { measureIdleRss } from '../../bench/lib/idle-rss.js';

/**
 * A freshly started server on the default configuration (the bench report's idle figure). While
 * every route's schemas were compiled at start and vendor libraries loaded eagerly it held 143 MB
 * on Node 20 and 194 MB on Node 24; 106 and 120 MB since (docs/deploy.md, "Memory"). The bound
 * catches a return to eager loading on either, with room for noise, not a precise figure.
 */
describe('idle memory', () => {
  it.runIf(process.platform === 'linux')('stays well under what eager loading cost', async () => {
    const idle = await measureIdleRss(2000);
    expect(idle.bareNodeBytes).toBeGreaterThan(0);
    expect(idle.otpgateBytes / 1048576).toBeLessThan(135);
  }, 60_000);
});
