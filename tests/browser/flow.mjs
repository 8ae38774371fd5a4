// The three pages of the ticketing core driven in headless Chromium, as an office uses them:
// the display board is open on the wall, a citizen takes a ticket at the kiosk, a clerk signs
// in at the console and calls the next ticket, and the number appears on the board live (over
// Server-Sent Events, without a reload). Each page is also checked for the basics of
// accessibility: Italian language, a first-level or labelled heading, labelled form controls.
//
// Usage: node flow.mjs http://127.0.0.1:PORT
// Run by tests/tests/browser.rs against the real `sportello` binary. Uses the system Chromium
// (CHROMIUM overrides /usr/bin/chromium); never downloads a browser.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const base = process.argv[2];
if (!base || !/^https?:\/\//.test(base)) {
  console.error('usage: node flow.mjs <base-url>');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const STEP_TIMEOUT_MS = 15_000;
const LIVE_TIMEOUT_MS = 10_000;

const log = (message) => console.log(`[flow] ${message}`);

class FlowError extends Error {}
function check(condition, message) {
  if (!condition) throw new FlowError(message);
}

/** A ticket code as (prefix, number): "A001" and "A 1" are the same ticket. */
function parseCode(text) {
  const m = /^\s*([A-Z])\s*0*(\d+)\s*$/.exec(text ?? '');
  check(m, `'${text}' is not a ticket code`);
  return `${m[1]}${Number(m[2])}`;
}

/**
 * Basic accessibility of the page now shown: `lang="it"`, a `<h1>` (or, failing that, a
 * region labelled by its heading text), and an accessible name on every form control.
 */
async function checkAccessibility(page, what) {
  const report = await page.evaluate(() => {
    const nameOf = (el) => {
      const byIds = (el.getAttribute('aria-labelledby') ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join(' ');
      const byLabels = el.labels ? [...el.labels].map((l) => l.textContent).join(' ') : '';
      const own = ['BUTTON'].includes(el.tagName) ? el.textContent : '';
      return [el.getAttribute('aria-label') ?? '', byIds, byLabels, own, el.getAttribute('title') ?? '']
        .join(' ')
        .trim();
    };
    const h1 = [...document.querySelectorAll('h1')].map((h) => h.textContent.trim()).filter(Boolean);
    const labelledRegions = [...document.querySelectorAll('section[aria-labelledby], [role=region][aria-labelledby]')]
      .map(nameOf)
      .filter(Boolean);
    const unlabelled = [...document.querySelectorAll('input, select, textarea, button')]
      .filter((el) => !(el.tagName === 'INPUT' && el.type === 'hidden'))
      .filter((el) => !nameOf(el))
      .map((el) => el.outerHTML.slice(0, 120));
    const controls = document.querySelectorAll('input:not([type=hidden]), select, textarea').length;
    return { lang: document.documentElement.lang, h1, labelledRegions, unlabelled, controls };
  });
  check(report.lang === 'it', `${what}: <html lang> is '${report.lang}', expected 'it'`);
  check(
    report.h1.length > 0 || report.labelledRegions.length > 0,
    `${what}: no <h1> and no labelled heading region`,
  );
  check(report.unlabelled.length === 0, `${what}: controls without a label: ${report.unlabelled.join(' | ')}`);
  const heading = report.h1[0] ?? `region "${report.labelledRegions[0]}"`;
  log(`${what}: lang=it, heading ${JSON.stringify(heading)}, ${report.controls} labelled form controls`);
}

const userDataDir = mkdtempSync(join(tmpdir(), 'sportello-chromium-'));
let context;
let failed = false;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    locale: 'it-IT',
    timeout: 60_000,
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
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const pageErrors = [];
  context.on('page', (page) => {
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  });
  // The persistent context opens with one blank tab: the board takes it.
  const board = context.pages()[0] ?? (await context.newPage());
  board.on('pageerror', (error) => pageErrors.push(`${board.url()}: ${error.message}`));

  // 1. The display board, open before anything happens. Its event stream is subscribed once
  //    the response headers of /api/events arrive.
  const streamOpen = board.waitForResponse((r) => r.url() === `${base}/api/events` && r.status() === 200);
  await board.goto(`${base}/tabellone`);
  await streamOpen;
  await checkAccessibility(board, 'display board');
  check(
    (await board.locator('#calls').getAttribute('aria-live')) === 'polite',
    'display board: the list of calls is not a polite live region',
  );
  const callsBefore = await board.locator('#calls li').count();
  // Marks this document: a reload would lose it, so the call must arrive live.
  await board.evaluate(() => {
    window.sportelloMark = 'no-reload';
  });
  log(`display board open with ${callsBefore} calls, event stream connected`);

  // 2. The kiosk: one button per line; the ticket page shows the code.
  const kiosk = await context.newPage();
  await kiosk.goto(`${base}/chiosco`);
  await checkAccessibility(kiosk, 'kiosk');
  await Promise.all([
    kiosk.waitForURL(`${base}/chiosco/biglietto`),
    kiosk.getByRole('button', { name: 'Anagrafe e stato civile', exact: true }).click(),
  ]);
  const shown = (await kiosk.locator('#code').textContent()).trim();
  const ticket = parseCode(shown);
  check(
    (await kiosk.locator('.ticket').textContent()).includes('Anagrafe e stato civile'),
    'ticket page: the service line is not shown',
  );
  await checkAccessibility(kiosk, 'ticket page');
  log(`kiosk issued ticket '${shown}'`);

  // 3. The console: sign in, choose the counter, open it, call the next ticket.
  const console_ = await context.newPage();
  await console_.goto(`${base}/sportello`);
  await checkAccessibility(console_, 'console login');
  await console_.getByLabel('Nome utente').fill('mario.rossi');
  await console_.getByLabel('Password').fill('sportello-demo');
  await Promise.all([
    console_.waitForURL(`${base}/sportello`),
    console_.getByRole('button', { name: 'Accedi' }).click(),
  ]);
  check(
    (await console_.locator('main').textContent()).includes('mario.rossi'),
    'console: not signed in as mario.rossi',
  );
  await Promise.all([
    console_.waitForURL(`${base}/sportello/sportello-1`),
    console_.getByRole('link', { name: 'Sportello 1', exact: true }).click(),
  ]);
  await checkAccessibility(console_, 'console, Sportello 1');
  await Promise.all([
    console_.waitForURL(/\/sportello\/sportello-1\?msg=/),
    console_.getByRole('button', { name: 'Apri lo sportello' }).click(),
  ]);
  check(
    (await console_.locator('#state').textContent()).trim() === 'aperto',
    `console: counter not open (state '${await console_.locator('#state').textContent()}')`,
  );
  await Promise.all([
    console_.waitForURL(/\/sportello\/sportello-1\?msg=/),
    console_.getByRole('button', { name: 'Chiama il prossimo' }).click(),
  ]);
  const atCounter = (await console_.locator('#current').textContent()).trim();
  check(
    parseCode(atCounter) === ticket,
    `console: the counter holds '${atCounter}', expected the kiosk's '${shown}'`,
  );
  const status = (await console_.getByRole('status').first().textContent()).trim();
  check(status.includes(shown), `console: the message '${status}' does not name '${shown}'`);
  log(`console called '${atCounter}' at Sportello 1 ("${status}")`);

  // 4. The board shows the call, pushed over SSE into the page that was already open.
  const newest = board.locator('#calls li').first();
  await newest.locator('.code').filter({ hasText: shown }).waitFor({ timeout: LIVE_TIMEOUT_MS });
  const boardCode = (await newest.locator('.code').textContent()).trim();
  const boardStation = (await newest.locator('.station').textContent()).trim();
  check(parseCode(boardCode) === ticket, `display board: newest call '${boardCode}', expected '${shown}'`);
  check(boardStation === 'Sportello 1', `display board: station '${boardStation}', expected 'Sportello 1'`);
  check(
    (await board.evaluate(() => window.sportelloMark)) === 'no-reload',
    'display board: the page was reloaded instead of updated live',
  );
  check(
    (await newest.getAttribute('class'))?.includes('new'),
    'display board: the newest call was not added by the live update',
  );
  check(
    (await board.locator('#calls li').count()) === callsBefore + 1,
    'display board: expected exactly one new call',
  );
  log(`display board shows '${boardCode}' at '${boardStation}' live, without a reload`);

  check(pageErrors.length === 0, `script errors in the pages: ${pageErrors.join(' | ')}`);
  log('ok');
} catch (error) {
  failed = true;
  console.error(`[flow] FAILED: ${error instanceof FlowError ? error.message : error.stack ?? error}`);
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
