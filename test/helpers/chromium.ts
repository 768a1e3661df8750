// Headless Chromium for the browser tests, found as test/helpers/binaries.ts finds it. The flags keep
// it off the network (this machine has none: background requests would be refused by the dozen) and
// out of any profile state; --no-sandbox because the tests run as root.
import { chromium, type Browser } from 'playwright-core';
import { requireChromium } from './binaries.js';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: requireChromium(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
