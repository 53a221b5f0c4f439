// E2E smoke tests of the web app in Debian's Chromium (playwright-core, no downloaded browser).
// Target: PQBANK_E2E_URL (e.g. https://127.0.0.1:8443, self-signed test CA accepted); when unset,
// a mock server (e2e/mock-server.mjs) serves web/dist. Fails on console errors, page errors and
// CSP violations. Screenshots go to web/test-results/screenshots/. Last line:
// `e2e: N passed, N failed`; the exit code is non-zero when anything failed.
// Against a real server with PQBANK_E2E_CLERK_CODE and PQBANK_E2E_MANAGER_CODE set (scripts/e2e.sh
// does this), it also runs the bank scenario of e2e/bank.mjs in three browser contexts.
import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { staffScenario } from './staff.mjs';
import { bankScenario, recordRequests } from './bank.mjs';
import { startMockServer } from './mock-server.mjs';

const WEB = fileURLToPath(new URL('..', import.meta.url));
const SHOTS = join(WEB, 'test-results', 'screenshots');
const CHROMIUM = process.env.PQBANK_E2E_CHROMIUM ?? '/usr/bin/chromium';
const TEST_TIMEOUT_MS = 30_000;
const SCENARIO_TIMEOUT_MS = 300_000;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** Collects console errors, page errors and CSP violations of one page. */
async function watch(page) {
  const problems = [];
  page.on('console', (msg) => {
    const text = msg.text();
    if (msg.type() === 'error' || /Content Security Policy/i.test(text)) {
      problems.push(`console ${msg.type()}: ${text}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? 'failed';
    // Aborted requests (navigation, query cancellation) are not failures of the app.
    if (!failure.includes('ERR_ABORTED'))
      problems.push(`request failed: ${request.url()} ${failure}`);
  });
  await page.exposeBinding('__pqbankCspViolation', (_source, violation) => {
    problems.push(`CSP violation: ${violation}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = `${event.violatedDirective} blocked ${event.blockedURI || 'inline'} at ${event.sourceFile}:${event.lineNumber}`;
      window.__pqbankCspViolation?.(report);
    });
  });
  return problems;
}

const tests = [
  {
    name: 'landing page loads',
    async run(page, base) {
      await page.goto(`${base}/`, { waitUntil: 'networkidle' });
      await page.getByRole('heading', { level: 1 }).waitFor();
      const title = await page.title();
      assert(title.includes('pqbank'), `title ${JSON.stringify(title)} lacks pqbank`);
      await page.getByLabel('Username').waitFor();
      await page.getByLabel('Password').waitFor();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      const badge = await page.locator('.qs-badge').textContent();
      assert(badge?.includes('quantum-safe'), 'quantum-safe badge missing');
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: join(SHOTS, 'landing.png'), fullPage: true });
    },
  },
  {
    name: 'status page shows health ok',
    async run(page, base) {
      await page.goto(`${base}/status`, { waitUntil: 'domcontentloaded' });
      await page.locator('[data-check="health"] [data-state="ok"]').waitFor();
      await page.locator('[data-check="api"] [data-testid="api-version"]').waitFor();
      const paths = Number(await page.getByTestId('api-paths').textContent());
      assert(Number.isInteger(paths) && paths > 0, `API path count ${paths}`);
      // The chart renders under the CSP (SVG, no inline <style>).
      await page.locator('.chart-card .recharts-wrapper > svg.recharts-surface').waitFor();
      const lines = await page.locator('.chart-card .recharts-line').count();
      assert(lines === 2, `expected 2 chart lines, found ${lines}`);
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: join(SHOTS, 'status.png'), fullPage: true });
    },
  },
  {
    name: 'unknown routes show the 404 page',
    async run(page, base) {
      await page.goto(`${base}/no/such/page`, { waitUntil: 'domcontentloaded' });
      await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    },
  },
  {
    name: 'phone layout: keyboard opens the menu, links navigate',
    viewport: { width: 390, height: 844 },
    async run(page, base) {
      await page.goto(`${base}/`, { waitUntil: 'networkidle' });
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: join(SHOTS, 'landing-phone.png'), fullPage: true });
      const nav = page.getByRole('navigation', { name: 'Main' });
      assert(!(await nav.isVisible()), 'navigation should be hidden behind the menu on phones');
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
      assert(
        focused.includes('Skip to main content'),
        `first Tab focused ${JSON.stringify(focused)}`,
      );
      // Keyboard only: Tab to the menu button and open it with Enter.
      await page.keyboard.press('Tab');
      const menuButton = page.getByRole('button', { name: 'Open menu' });
      const second = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80));
      assert(
        await menuButton.evaluate((el) => el === document.activeElement),
        `second Tab should reach the menu button, focused ${second}`,
      );
      await page.keyboard.press('Enter');
      await nav.waitFor({ state: 'visible' });
      assert(
        (await page.getByRole('button', { name: 'Close menu' }).getAttribute('aria-expanded')) ===
          'true',
        'menu button should report aria-expanded=true',
      );
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: join(SHOTS, 'landing-phone-menu.png') });
      await nav.getByRole('link', { name: 'System status' }).click();
      await page.locator('[data-check="health"] [data-state="ok"]').waitFor();
      // The menu closes after navigating (waits out the slide-out transition).
      await nav.waitFor({ state: 'hidden', timeout: 2_000 });
      await page.locator('.chart-card .recharts-wrapper > svg.recharts-surface').waitFor();
      const scrollY = await page.evaluate(() => window.scrollY);
      assert(scrollY === 0, `new page should start at the top, scrolled to ${scrollY}`);
      await page.screenshot({ path: join(SHOTS, 'status-phone.png'), fullPage: true });
    },
  },
];

function newContext(browser, viewport = { width: 1280, height: 860 }) {
  return browser.newContext({
    ignoreHTTPSErrors: true,
    viewport,
    locale: 'en-GB',
    reducedMotion: 'reduce',
    timezoneId: 'UTC',
  });
}

/** The multi-context bank scenario (e2e/bank.mjs); true when it passed. */
async function runScenario(browser, base, name, scenario) {
  const contexts = [];
  const watched = [];
  const open = async (label) => {
    const context = await newContext(browser);
    context.setDefaultTimeout(20_000);
    contexts.push(context);
    const requests = recordRequests(context);
    const page = await context.newPage();
    const problems = await watch(page);
    watched.push({ label, problems });
    return { context, page, requests, problems };
  };
  const started = Date.now();
  let timer;
  try {
    const timeout = new Promise((_, fail) => {
      timer = setTimeout(
        () => fail(new Error(`timed out after ${SCENARIO_TIMEOUT_MS} ms`)),
        SCENARIO_TIMEOUT_MS,
      );
    });
    const summary = await Promise.race([scenario(open), timeout]);
    const problems = watched.flatMap((w) => w.problems.map((p) => `${w.label}: ${p}`));
    assert(problems.length === 0, problems.join('\n    '));
    console.log(`ok   ${name} (${Date.now() - started} ms; ${summary})`);
    return true;
  } catch (error) {
    console.log(`FAIL ${name}\n    ${error instanceof Error ? error.message : error}`);
    for (const w of watched) {
      if (w.problems.length > 0) console.log(`    ${w.label}: ${w.problems.join('\n    ')}`);
    }
    let i = 0;
    for (const context of contexts) {
      for (const page of context.pages()) {
        await page
          .screenshot({
            path: join(SHOTS, `failed-${name.split(':')[0]}-${i++}.png`),
            fullPage: true,
          })
          .catch(() => {});
      }
    }
    return false;
  } finally {
    clearTimeout(timer);
    for (const context of contexts) await context.close().catch(() => {});
  }
}

async function main() {
  await mkdir(SHOTS, { recursive: true });
  let base = process.env.PQBANK_E2E_URL?.replace(/\/+$/, '');
  let mock = null;
  if (!base) {
    if (!existsSync(join(WEB, 'dist', 'index.html'))) {
      throw new Error(
        'PQBANK_E2E_URL is not set and web/dist is missing: run `npm run build` first',
      );
    }
    mock = await startMockServer();
    base = mock.url;
    console.log(`e2e: PQBANK_E2E_URL not set; testing web/dist on the mock server ${base}`);
  } else {
    console.log(`e2e: testing ${base}`);
  }

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  let passed = 0;
  let failed = 0;
  try {
    for (const test of tests) {
      const context = await browser.newContext({
        ignoreHTTPSErrors: true,
        viewport: test.viewport ?? { width: 1280, height: 860 },
        locale: 'en-GB',
        reducedMotion: 'reduce',
        timezoneId: 'UTC',
      });
      context.setDefaultTimeout(15_000);
      const page = await context.newPage();
      const problems = await watch(page);
      const started = Date.now();
      try {
        let timer;
        const timeout = new Promise((_, fail) => {
          timer = setTimeout(
            () => fail(new Error(`timed out after ${TEST_TIMEOUT_MS} ms`)),
            TEST_TIMEOUT_MS,
          );
        });
        await Promise.race([test.run(page, base), timeout]).finally(() => clearTimeout(timer));
        assert(problems.length === 0, problems.join('\n    '));
        passed++;
        console.log(`ok   ${test.name} (${Date.now() - started} ms)`);
      } catch (error) {
        failed++;
        console.log(`FAIL ${test.name}\n    ${error instanceof Error ? error.message : error}`);
        if (problems.length > 0) console.log(`    ${problems.join('\n    ')}`);
        await page
          .screenshot({ path: join(SHOTS, `failed-${passed + failed}.png`), fullPage: true })
          .catch(() => {});
      } finally {
        await context.close();
      }
    }
    if (!mock && process.env.PQBANK_E2E_CLERK_CODE && process.env.PQBANK_E2E_MANAGER_CODE) {
      const ok = await runScenario(
        browser,
        base,
        'bank: register, cash deposit, transfers, live approval, no key leaves',
        (open) =>
          bankScenario({
            base,
            open,
            shots: SHOTS,
            clerkCode: process.env.PQBANK_E2E_CLERK_CODE,
            managerCode: process.env.PQBANK_E2E_MANAGER_CODE,
          }),
      );
      if (ok) passed++;
      else failed++;
    } else {
      console.log('skip bank scenario (needs a real server and staff activation codes)');
    }
    if (!mock && process.env.PQBANK_E2E_ADMIN_CODE) {
      const ok = await runScenario(
        browser,
        base,
        'staff: admin creates an auditor, inclusion proof, alert acknowledged, device revoked',
        (open) =>
          staffScenario({
            base,
            open,
            shots: SHOTS,
            adminCode: process.env.PQBANK_E2E_ADMIN_CODE,
          }),
      );
      if (ok) passed++;
      else failed++;
    } else {
      console.log('skip staff scenario (needs a real server and the bootstrap admin code)');
    }
  } finally {
    await browser.close();
    await mock?.close();
  }
  return { passed, failed };
}

let result;
try {
  result = await main();
} catch (error) {
  console.error(`e2e: setup failed: ${error instanceof Error ? error.message : error}`);
  result = { passed: 0, failed: 1 };
}
console.log(`e2e: ${result.passed} passed, ${result.failed} failed`);
process.exit(result.failed > 0 ? 1 : 0);
