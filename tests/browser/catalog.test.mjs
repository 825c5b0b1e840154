// Browser tests for OneWindow (一窗通办): a citizen finds a service guide, a catalog admin
// edits and publishes an item, errors are shown in Chinese, and the guide works on a phone.
//
// The test starts its own demo server (a fresh temporary data directory, a free port) and
// drives the system Chromium through playwright-core. Screenshots of the pages it visits are
// written to docs/screenshots/ on every run.
//
// Environment:
//   ONEWINDOW_BIN  the server binary (default: ../../target/debug/onewindow from this folder)
//   CHROMIUM       the browser (default: /usr/bin/chromium)

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const BIN = resolve(process.env.ONEWINDOW_BIN || join(here, '..', '..', 'target', 'debug', 'onewindow'));
const SHOTS = join(repo, 'docs', 'screenshots');
const PASSWORD = 'OneWindow-demo-2026';
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
/** The item both the citizen and the admin tests work on. */
const FOOD_ITEM = '食品（含保健食品）经营许可核发';
const FOOD_PATTERN = /食品.*经营许可|食品经营许可/;

let server; // { proc, url, output() }
let browser;
let dataDir;

/** Starts `onewindow serve --demo` on a free port and resolves once it prints its URL. */
function startServer() {
  if (!existsSync(BIN)) {
    throw new Error(`server binary not found: ${BIN} (build it first, or set ONEWINDOW_BIN)`);
  }
  dataDir = mkdtempSync(join(tmpdir(), 'onewindow-browser-'));
  const proc = spawn(BIN, ['serve', '--demo', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  const output = () => `--- stdout ---\n${out}\n--- stderr (last 4000 chars) ---\n${err.slice(-4000)}`;
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not print its URL within 60 s\n${output()}`));
    }, 60_000);
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/一窗通办已启动：(http:\/\/[^\s/]+)\/?\r?\n/);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ proc, url: m[1].replace(/\/$/, ''), output });
      }
    });
    proc.stderr.on('data', (chunk) => { err += chunk; });
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (code ${code}, signal ${signal})\n${output()}`));
    });
  });
}

async function stopServer() {
  if (!server) return;
  const { proc } = server;
  server = undefined;
  if (proc.exitCode === null && proc.signalCode === null) {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

// Whatever happens (an uncaught error, Ctrl-C), do not leave the server running.
process.on('exit', () => { if (server) server.proc.kill('SIGKILL'); });

/** A fresh browser context (no cookies) at the given viewport. */
async function newPage(viewport = DESKTOP, extra = {}) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', baseURL: server.url, ...extra });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  return { context, page };
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, name), fullPage: true, animations: 'disabled' });
}

/** Fails with the page's alert text when a step expected success but got an error page. */
async function alertText(page) {
  const alerts = page.locator('.alert');
  return (await alerts.count()) ? (await alerts.allInnerTexts()).join(' / ') : '';
}

/** Text of the `<dd>` that follows the `<dt>` with exactly this text in the given section. */
async function factValue(page, sectionSelector, term) {
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

async function login(page, account, password) {
  await page.goto('/login');
  await page.locator('#login').fill(account);
  await page.locator('#password').fill(password);
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: '登录', exact: true }).click(),
  ]);
}

describe('OneWindow in a browser', () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer();
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
        '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } finally {
      await stopServer();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a citizen searches 开饭店 from the home page and finds the food business licence guide with its materials', async () => {
    const { context, page } = await newPage();
    try {
      await page.goto('/');
      await page.locator('form.searchbox input[name=q]').waitFor();
      await shot(page, 'home.png');

      await page.locator('form.searchbox input[name=q]').fill('开饭店');
      await Promise.all([page.waitForURL(/\/search\?/), page.locator('form.searchbox button[type=submit]').click()]);
      await page.waitForLoadState('load');

      const names = await page.locator('ol.results li.card h2 a').allInnerTexts();
      assert.ok(names.length > 0, 'the search for 开饭店 found nothing');
      assert.ok(names.some((n) => n.includes('食品')), `no result mentions 食品: ${names.join('、')}`);
      await shot(page, 'search.png');

      const target = names.find((n) => n.trim() === FOOD_ITEM) ?? names.find((n) => FOOD_PATTERN.test(n));
      assert.ok(target, `no result is a 食品经营许可: ${names.join('、')}`);
      await Promise.all([
        page.waitForURL(/\/items\/[^/?]+$/),
        page.locator('ol.results li.card h2 a', { hasText: target }).first().click(),
      ]);
      await page.locator('article.guide h1').waitFor();
      assert.equal((await page.locator('article.guide h1').innerText()).trim(), target.trim());

      const rows = page.locator('section#materials table tbody tr');
      const materials = await page.locator('section#materials table tbody tr td:nth-child(2) strong').allInnerTexts();
      assert.ok((await rows.count()) >= 3, `expected at least 3 materials, got ${await rows.count()}: ${materials.join('、')}`);
      assert.ok(materials.some((m) => m.includes('营业执照') || m.includes('申请书')),
        `materials include neither 营业执照 nor 申请书: ${materials.join('、')}`);
      await shot(page, 'guide.png');
    } finally {
      await context.close();
    }
  });

  test('a catalog admin edits 办理时间 of an item, the public guide keeps the old text until the draft is published', async () => {
    const { context, page } = await newPage();
    const pub = await newPage(); // an anonymous visitor, to see what the public sees
    try {
      await login(page, 'catalog', PASSWORD);
      assert.ok(!new URL(page.url()).pathname.startsWith('/login'), `login as catalog failed: ${await alertText(page)}`);

      await page.goto('/admin/items');
      await page.locator('#aq').fill('食品');
      await Promise.all([
        page.waitForURL(/\/admin\/items\?/),
        page.locator('form.filters button[type=submit]').click(),
      ]);
      await page.waitForLoadState('load');
      const listed = await page.locator('table tbody tr td:first-child a').allInnerTexts();
      const target = listed.find((n) => n.trim() === FOOD_ITEM) ?? listed.find((n) => FOOD_PATTERN.test(n));
      assert.ok(target, `the admin search for 食品 did not list a 食品经营许可: ${listed.join('、')}`);
      await shot(page, 'admin-items.png');

      const link = page.locator('table tbody tr td:first-child a', { hasText: target }).first();
      const code = (await link.getAttribute('href')).split('/').pop();
      await Promise.all([page.waitForURL(new RegExp(`/admin/items/${code}$`)), link.click()]);
      assert.equal((await page.locator('main h1').innerText()).trim(), target.trim());

      // What the public sees now.
      await pub.page.goto(`/items/${code}`);
      const oldText = await factValue(pub.page, 'section#where', '办理时间');
      assert.ok(oldText, 'the public guide shows no 办理时间');

      // Edit the field generated from the 办理时间 column.
      await Promise.all([
        page.waitForURL(new RegExp(`/admin/items/${code}/edit$`)),
        page.locator('.actions a.button', { hasText: '编辑' }).click(),
      ]);
      const fieldId = await page.locator('form.edit').evaluate((form) => {
        for (const label of form.querySelectorAll('label[for]')) {
          const copy = label.cloneNode(true);
          copy.querySelectorAll('.req').forEach((e) => e.remove());
          if (copy.textContent.trim() === '办理时间') return label.getAttribute('for');
        }
        return null;
      });
      assert.ok(fieldId, 'the edit form has no field labelled 办理时间');
      const field = page.locator(`form.edit [id="${fieldId}"]`);
      assert.match(await field.getAttribute('name'), /^c\d+$/);
      assert.equal((await field.inputValue()).trim(), oldText);

      const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const newText = `周一至周日 8:30-18:00（浏览器测试 ${stamp}）`;
      await field.fill(newText);
      await shot(page, 'admin-edit.png');
      await Promise.all([
        page.waitForURL(new RegExp(`/admin/items/${code}(\\?|$)`), { waitUntil: 'load' }),
        page.locator('#save').click(),
      ]).catch(async (e) => {
        throw new Error(`saving the draft failed: ${await alertText(page)} ${await page.locator('.field.invalid').allInnerTexts()}\n${e.message}`);
      });
      assert.match(page.url(), /flash=saved/);
      assert.match(await page.locator('p.flash[role=status]').innerText(), /草稿已保存/);
      assert.match(await page.locator('main p.muted').first().innerText(), /草稿第 \d+ 版待发布/);

      // The draft is not public yet.
      await pub.page.goto(`/items/${code}`);
      assert.equal(await factValue(pub.page, 'section#where', '办理时间'), oldText);

      // Publish, and the public guide changes.
      await Promise.all([
        page.waitForURL(/flash=published/, { waitUntil: 'load' }),
        page.locator('#publish').click(),
      ]);
      assert.match(await page.locator('p.flash[role=status]').innerText(), /已发布/);
      assert.equal(await page.locator('#publish').count(), 0, 'the 发布 button is still there after publishing');

      await pub.page.goto(`/items/${code}`);
      assert.equal(await factValue(pub.page, 'section#where', '办理时间'), newText);
      assert.doesNotMatch(await pub.page.locator('section#where').innerText(), new RegExp(oldText.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    } finally {
      await context.close();
      await pub.context.close();
    }
  });

  test('a wrong password and a search longer than 100 characters show Chinese error messages', async () => {
    const { context, page } = await newPage();
    try {
      await login(page, 'catalog', 'wrong-password-123');
      assert.match(new URL(page.url()).pathname, /^\/login/);
      const error = page.locator('#login-error[role=alert]');
      assert.match(await error.innerText(), /账号或密码错误/);
      assert.equal(await page.locator('#login').inputValue(), 'catalog', 'the login name should be kept after a failed login');
      assert.equal(await page.locator('#password').inputValue(), '', 'the password must not be echoed back');
      await shot(page, 'login.png');

      // The search inputs have maxlength=100, so a longer query can only come from a URL.
      const long = '办'.repeat(101);
      await page.goto(`/search?q=${encodeURIComponent(long)}`);
      const alert = page.locator('main .alert[role=alert]');
      assert.match(await alert.innerText(), /100\s*个字符/);
      assert.match(await page.locator('main').innerText(), /共找到 0 个事项/);
    } finally {
      await context.close();
    }
  });

  test('the service guide fits a 390 px wide phone screen without horizontal scrolling', async () => {
    const { context, page } = await newPage(PHONE, { isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
    try {
      await page.goto(`/search?q=${encodeURIComponent('食品经营许可')}`);
      const names = await page.locator('ol.results li.card h2 a').allInnerTexts();
      const target = names.find((n) => n.trim() === FOOD_ITEM) ?? names.find((n) => FOOD_PATTERN.test(n));
      assert.ok(target, `no 食品经营许可 found: ${names.join('、')}`);
      await Promise.all([
        page.waitForURL(/\/items\/[^/?]+$/),
        page.locator('ol.results li.card h2 a', { hasText: target }).first().click(),
      ]);
      await page.locator('section#materials table').waitFor();

      const size = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        bodyScrollWidth: document.body.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        innerWidth: window.innerWidth,
      }));
      await shot(page, 'guide-mobile.png');
      const wide = await page.evaluate((limit) => {
        const out = [];
        for (const el of document.querySelectorAll('body *')) {
          const r = el.getBoundingClientRect();
          if (r.right > limit + 1 && !el.closest('.table-scroll')) {
            out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + String(el.className).split(' ').join('.') : ''} right=${Math.round(r.right)}`);
          }
        }
        return out.slice(0, 10);
      }, PHONE.width);
      assert.ok(size.scrollWidth <= PHONE.width + 1,
        `the page scrolls sideways: ${JSON.stringify(size)}; too wide: ${wide.join(', ')}`);
      assert.ok(size.bodyScrollWidth <= PHONE.width + 1, `the body is wider than the phone: ${JSON.stringify(size)}`);
      // The materials table may scroll inside its own box, but the box itself must fit.
      const box = await page.locator('section#materials .table-scroll').boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width + 1, `the materials box overflows: ${JSON.stringify(box)}`);
    } finally {
      await context.close();
    }
  });
});
