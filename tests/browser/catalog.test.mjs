// Browser tests for OneWindow (一窗通办): a citizen finds a service guide, a catalog admin
// edits and publishes an item, errors are shown in Chinese, and the guide works on a phone.
//
// The test starts its own demo server (a fresh temporary data directory, a free port) and
// drives the system Chromium through playwright-core (see helpers.mjs for both and for the
// environment variables). Screenshots of the pages it visits are written to docs/screenshots/
// on every run.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, PHONE, demoSite, shot, alertText, factValue, login,
  pickFood, openFoodGuide, assertFitsWidth,
} from './helpers.mjs';



describe('OneWindow in a browser', () => {
  const site = demoSite();
  const newPage = (viewport, extra) => site.newPage(viewport, extra);

  test('a citizen searches 开饭店 from the home page and finds the food business licence guide with its materials', async () => {
    const { context, page } = await newPage();
    try {
      await page.goto('/');
      await page.locator('form.searchbox input[name=q]').waitFor();
      await shot(page, 'home.png');

      await page.locator('form.searchbox input[name=q]').fill('开饭店');
      await Promise.all([page.waitForURL(/\/search\?/), page.locator('form.searchbox button[type=submit]').click()]);
      await page.waitForLoadState('load');

      // The life event comes first: the 一件事 that opens a restaurant, above the items.
      const bundles = await page.locator('#bundle-results a').allInnerTexts();
      assert.equal(bundles[0], '开办餐饮店', `一件事 offered for 开饭店: ${bundles.join('、') || 'none'}`);
      const names = await page.locator('ol.results li.card h2 a').allInnerTexts();
      assert.ok(names.length > 0, 'the search for 开饭店 found nothing');
      const total = Number((await page.locator('main p.muted[aria-live]').innerText()).match(/共找到 (\d+) 个事项/)?.[1]);
      assert.ok(total > 0 && total <= 15, `开饭店 matched ${total} items: ${names.join('、')}`);
      assert.ok(!names.some((n) => /旅行社|道路货物运输/.test(n)), `unrelated items for 开饭店: ${names.join('、')}`);
      assert.ok(names.some((n) => n.includes('食品')), `no result mentions 食品: ${names.join('、')}`);
      await shot(page, 'search.png');

      const target = pickFood(names);
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
      const target = pickFood(listed);
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

      // The item page lists what publishing changes, and 发布 asks before it goes public.
      const changes = page.locator('#changes tbody tr');
      assert.equal(await changes.count(), 1, `the draft's changes: ${await page.locator('#changes').innerText()}`);
      assert.match(await changes.innerText(), /办理时间/);
      assert.ok((await changes.innerText()).includes(newText), await changes.innerText());
      let asked = '';
      page.once('dialog', (d) => { asked = d.message(); d.accept(); });
      // Publish, and the public guide changes.
      await Promise.all([
        page.waitForURL(/flash=published/, { waitUntil: 'load' }),
        page.locator('#publish').click(),
      ]);
      assert.match(asked, /共 1 处修改/);
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
      await openFoodGuide(page);
      await page.locator('section#materials table').waitFor();

      await shot(page, 'guide-mobile.png');
      await assertFitsWidth(page, PHONE.width);
    } finally {
      await context.close();
    }
  });
});
