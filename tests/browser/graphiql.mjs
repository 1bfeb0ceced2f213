// Opens a zkcity GraphiQL page in Debian's Chromium (headless, driven by
// Playwright), runs the query the page URL carries (`?query=`), waits for
// EXPECT in the result pane and prints {text, offsite, errors} as JSON.
// Every request to a host other than loopback is aborted and reported in
// `offsite`; the browser's resolver cannot resolve any other name either,
// so the page runs as on a network without internet access.
//
// Environment: PAGE_URL, EXPECT, SCREENSHOT (PNG path), CHROMIUM (binary).
import { chromium } from 'playwright-core';

const { PAGE_URL, EXPECT, SCREENSHOT } = process.env;
const executablePath = process.env.CHROMIUM || '/usr/lib/chromium/chromium';
const loopback = new Set(['127.0.0.1', 'localhost', '[::1]']);

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost'],
});
const offsite = [];
const errors = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || loopback.has(url.hostname)) return route.continue();
    offsite.push(url.href);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(PAGE_URL, { waitUntil: 'load' });
  await page.locator('.graphiql-execute-button').click({ timeout: 30000 });
  await page.waitForFunction(
    ([selector, want]) => document.querySelector(selector)?.innerText.includes(want),
    ['.graphiql-response', EXPECT],
    { timeout: 60000 },
  );
  const text = await page.locator('.graphiql-response').innerText();
  await page.screenshot({ path: SCREENSHOT });
  console.log(JSON.stringify({ text, offsite, errors }));
} finally {
  await browser.close();
}
