// Debian's Chromium driven by playwright-core for the browser tests and benches (the web export
// page now, the inspector later). `npx playwright install` cannot work offline, so the browser
// is the system's: /usr/bin/chromium (apt-get install chromium; PIXELWISE_CHROMIUM=PATH for
// another). Where none runs (absent, or Ubuntu's snap stub), tests skip saying why.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.PIXELWISE_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let checked: string | false | undefined;

/** Why no browser test can run here, or false when Chromium works. */
export function chromiumMissing(): string | false {
  if (checked !== undefined) return checked;
  if (!existsSync(CHROMIUM)) return (checked = `no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  const run = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const version = `${run.stdout ?? ''}`.trim();
  if (run.status !== 0 || !/chrom/i.test(version)) {
    return (checked = `${CHROMIUM} does not run as Chromium (${(version || `${run.stderr ?? ''}`).trim().split('\n')[0] || `exit ${run.status}`}; Ubuntu's is a snap stub)`);
  }
  return (checked = false);
}

/** A headless Chromium with a fresh profile; close() also removes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'pixelwise-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1100, height: 720 } });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
