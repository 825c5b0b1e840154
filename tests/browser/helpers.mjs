// Shared helpers of the browser tests: start the demo server (a fresh temporary data directory,
// a free port), launch the system Chromium through playwright-core, open pages, log in, read
// facts, save screenshots to docs/screenshots/.
//
// Environment:
//   ONEWINDOW_BIN  the server binary (default: ../../target/debug/onewindow from this folder)
//   CHROMIUM       the browser (default: /usr/bin/chromium)

import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
export const BIN = resolve(process.env.ONEWINDOW_BIN || join(here, '..', '..', 'target', 'debug', 'onewindow'));
export const SHOTS = join(repo, 'docs', 'screenshots');
export const PASSWORD = 'OneWindow-demo-2026';
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };
/** The item the citizen, admin and case tests work on. */
export const FOOD_ITEM = '食品（含保健食品）经营许可核发';
export const FOOD_PATTERN = /食品.*经营许可|食品经营许可/;

/** Servers still running, killed if the test process exits without stopping them. */
const running = new Set();
// Whatever happens (an uncaught error, Ctrl-C), do not leave a server running.
process.on('exit', () => { for (const s of running) s.proc.kill('SIGKILL'); });

/** The login printed at start in the demo account line whose role column contains `role`. */
function demoLogin(out, role) {
  const line = out.split(/\r?\n/).find((l) => l.includes(role));
  return line ? line.trim().split(/\s+/)[0] : undefined;
}

/**
 * Starts `onewindow serve --demo` on a free port in a fresh data directory and resolves once
 * it prints its URL, with { proc, url, dataDir, output(), citizen, enterprise, stop() }:
 * `citizen` and `enterprise` are the demo applicants' logins (ID number and credit code).
 */
export function startServer(extraArgs = []) {
  if (!existsSync(BIN)) {
    throw new Error(`server binary not found: ${BIN} (build it first, or set ONEWINDOW_BIN)`);
  }
  mkdirSync(SHOTS, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'onewindow-browser-'));
  // A test whose peers must call the server back names its address (`--listen`).
  const listen = extraArgs.includes('--listen') ? [] : ['--listen', '127.0.0.1:0'];
  const proc = spawn(BIN, ['serve', '--demo', '--data-dir', dataDir, ...listen, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // No load balancer waits on these servers: stop at once instead of draining first.
    env: { ...process.env, NO_COLOR: '1', ONEWINDOW__SERVER__DRAIN_SECONDS: '0' },
  });
  let out = '';
  let err = '';
  const output = () => `--- stdout ---\n${out}\n--- stderr (last 4000 chars) ---\n${err.slice(-4000)}`;
  const server = { proc, dataDir, output };
  running.add(server);
  server.stop = async () => {
    running.delete(server);
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return new Promise((resolvePromise, reject) => {
    const fail = (e) => {
      running.delete(server);
      proc.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      reject(e);
    };
    const timer = setTimeout(() => fail(new Error(`server did not print its URL within 60 s\n${output()}`)), 60_000);
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/一窗通办已启动：(http:\/\/[^\s/]+)\/?\r?\n/);
      if (m && !server.url) {
        clearTimeout(timer);
        server.url = m[1].replace(/\/$/, '');
        server.citizen = demoLogin(out, '申请人（自然人）');
        server.enterprise = demoLogin(out, '申请人（法人）');
        resolvePromise(server);
      }
    });
    proc.stderr.on('data', (chunk) => { err += chunk; });
    proc.on('error', (e) => { clearTimeout(timer); fail(e); });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!server.url) fail(new Error(`server exited early (code ${code}, signal ${signal})\n${output()}`));
    });
  });
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh browser context (no cookies) on the server at the given viewport. */
export async function newPage(browser, server, viewport = DESKTOP, extra = {}) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', baseURL: server.url, ...extra });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  return { context, page };
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, name), fullPage: true, animations: 'disabled' });
}

/** The texts of the page's alerts, to explain why a step that expected success failed. */
export async function alertText(page) {
  const alerts = page.locator('.alert');
  return (await alerts.count()) ? (await alerts.allInnerTexts()).join(' / ') : '';
}

/** Text of the `<dd>` that follows the `<dt>` with exactly this text in the given section. */
export async function factValue(page, sectionSelector, term) {
  return page.locator(sectionSelector).evaluate((section, t) => {
    for (const dt of section.querySelectorAll('dt')) {
      if (dt.textContent.trim() === t) {
        const dd = dt.nextElementSibling;
        return dd && dd.tagName === 'DD' ? dd.textContent.trim() : null;
      }
    }
    return null;
  }, term);
}

/**
 * The page's path and the text of the elements matching `selector` (default: main) on one line,
 * for assertion messages: a failure then shows what the page said instead.
 */
export async function textOf(page, selector = 'main') {
  const { pathname, search } = new URL(page.url());
  const texts = await page.locator(selector).allInnerTexts();
  return `${pathname}${search}: ${texts.join(' / ').replace(/\s+/g, ' ') || `(no ${selector})`}`;
}

/**
 * Clicks the main navigation's link with exactly this name and waits for its page, the way a
 * user gets there; fails listing the links offered when it is missing.
 */
export async function followNav(page, name) {
  const nav = page.getByRole('navigation', { name: '主导航' });
  const link = nav.getByRole('link', { name, exact: true });
  if ((await link.count()) !== 1) {
    throw new Error(`no single ${name} link in the main navigation of ${page.url()}: ${(await nav.getByRole('link').allInnerTexts()).join('、')}`);
  }
  const path = await link.getAttribute('href');
  // On a phone the navigation folds behind 菜单, as a user finds it.
  const menu = page.locator('header.site .menu-button');
  if (await menu.isVisible() && (await menu.getAttribute('aria-expanded')) !== 'true') await menu.click();
  await Promise.all([page.waitForURL((u) => u.pathname === path), link.click()]);
}

/** Fills and posts the login form; whether it worked is the caller's to check. */
export async function login(page, account, password) {
  await page.goto('/login');
  await page.locator('#login').fill(account);
  await page.locator('#password').fill(password);
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: '登录', exact: true }).click(),
  ]);
}

/** Logs in with the demo password and fails the test if the login page is shown again. */
export async function loginAs(page, account) {
  assert.ok(account, 'no account to log in with (was it printed at server start?)');
  await login(page, account, PASSWORD);
  assert.ok(!new URL(page.url()).pathname.startsWith('/login'), `login as ${account} failed: ${await alertText(page)}`);
}

/** The food business licence among result names: the exact name, else the first that looks like it. */
export function pickFood(names) {
  return names.find((n) => n.trim() === FOOD_ITEM) ?? names.find((n) => FOOD_PATTERN.test(n));
}

/**
 * Searches `query`, opens the guide of the result whose name `pick(names)` returns, and returns
 * its item code (the last part of /items/CODE).
 */
export async function openGuide(page, query, pick) {
  await page.goto(`/search?q=${encodeURIComponent(query)}`);
  const links = page.locator('ol.results li.card h2 a');
  const names = await links.allInnerTexts();
  const target = pick(names);
  assert.ok(target, `no ${query} found: ${names.join('、')}`);
  // By position, not by text: other results' names may contain the picked one.
  await Promise.all([
    page.waitForURL(/\/items\/[^/?]+$/),
    links.nth(names.indexOf(target)).click(),
  ]);
  await page.locator('article.guide h1').waitFor();
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
}

/** Searches 食品经营许可, opens the food business licence guide and returns its item code. */
export function openFoodGuide(page) {
  return openGuide(page, '食品经营许可', pickFood);
}

/**
 * Fails unless the page fits `width` without sideways scrolling. Tables may scroll inside
 * their own `.table-scroll` box, but that box itself must fit.
 */
export async function assertFitsWidth(page, width) {
  const size = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    bodyScrollWidth: document.body.scrollWidth,
  }));
  const wide = await page.evaluate((limit) => {
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > limit + 1 && !el.closest('.table-scroll')) {
        out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + String(el.className).split(' ').join('.') : ''} right=${Math.round(r.right)}`);
      }
    }
    return out.slice(0, 10);
  }, width);
  const where = new URL(page.url()).pathname;
  assert.ok(size.scrollWidth <= width + 1 && size.bodyScrollWidth <= width + 1,
    `${where} scrolls sideways: ${JSON.stringify(size)}; too wide: ${wide.join(', ')}`);
  for (const box of await page.locator('.table-scroll').all()) {
    const b = await box.boundingBox();
    assert.ok(!b || (b.x >= 0 && b.x + b.width <= width + 1), `${where}: a table box overflows: ${JSON.stringify(b)}`);
  }
}

/**
 * Starts a demo server and Chromium before the suite's tests and stops both after them.
 * Returns a live object: `site.server`, `site.browser`, and `site.newPage(viewport, extra)`.
 */
export function demoSite(extraArgs = []) {
  const site = {
    server: null,
    browser: null,
    newPage: (viewport, extra) => newPage(site.browser, site.server, viewport, extra),
  };
  before(async () => {
    site.server = await startServer(extraArgs);
    site.browser = await launchBrowser();
  });
  after(async () => {
    try {
      if (site.browser) await site.browser.close();
    } finally {
      if (site.server) await site.server.stop();
    }
  });
  return site;
}

/**
 * Starts a peer from tests/sims (a simulator of an outside platform) as `command script
 * ...args`; resolves with { proc, port } once it prints "LISTENING <port>".
 */
export function startPeer(command, script, args) {
  const proc = spawn(command, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    proc.once('error', fail);
    let said = '';
    proc.stdout.on('data', (d) => {
      said += String(d);
      if (!said.includes('\n')) return;
      const port = Number(said.match(/LISTENING (\d+)/)?.[1]);
      if (port) ok({ proc, port }); else fail(new Error(`${script} said: ${said}`));
    });
  });
}

/** A port nobody listens on now, for a server that peers must call back. */
export function freePort() {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}
