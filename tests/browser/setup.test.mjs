// Browser tests for organisation set-up and what the public gets from it: a system admin imports
// service points from a spreadsheet on /admin/setup (checked first, then written; a bad file lists
// every problem), the public region page shows the new point with phone and map links, the search
// forgives homophone typos and pinyin, and a sub-item's guide links to its main item and back.
//
// Like catalog.test.mjs, the suite starts its own demo server and the system Chromium (see
// helpers.mjs); the tests share that server and run in order: the region page test expects the
// service point the first test imported.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  PHONE, FOOD_ITEM, demoSite, shot, textOf, followNav, loginAs, openFoodGuide, assertFitsWidth,
} from './helpers.mjs';

const HEADER = '场所编码,场所名称,类型,所属区划,地址,办公时间,咨询电话,坐标';
const POINTS = `${HEADER}\nGA-ZX2,广安区第二政务服务中心,政务服务中心,511602,金安大道一段 9 号,工作日 9:00-17:00,0826-2345678,"30.4561,106.6332"\n`;
// Two rows with the same unknown type (to be counted together) and one with a phone that is no number.
const BAD_POINTS = `${HEADER}\nA,甲,大厅,511602,路,工作日,1\nB,乙,大厅,511602,路,工作日,1\nC,丙,便民服务站,511602,路,工作日,电话\n`;

/** Chooses `csv` in the service-point form, sets 只检查，不写入 and submits it, as a user does. */
async function uploadPoints(page, csv, dryRun) {
  const form = page.locator('form', { has: page.locator('#file-service-points') });
  await page.setInputFiles('#file-service-points', { name: 'points.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await form.locator('input[name=dry_run]').setChecked(dryRun);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/admin/setup/service-points', { waitUntil: 'load' }),
    page.locator('#setup-service-points').click(),
  ]);
  const result = page.locator('#setup-result');
  assert.ok(await result.count(), `no #setup-result after the upload: ${await textOf(page)}`);
  return (await result.innerText()).replace(/\s+/g, ' ');
}

/** Searches `query` with the home page's search box and returns the result names. */
async function searchFromHome(page, query) {
  await page.goto('/');
  const box = page.locator('form.searchbox input[name=q]');
  await box.fill(query);
  await Promise.all([page.waitForURL(/\/search\?/), page.locator('form.searchbox button[type=submit]').click()]);
  await page.waitForLoadState('load');
  return page.locator('ol.results li.card h2 a').allInnerTexts();
}

describe('Organisation set-up in a browser', () => {
  const site = demoSite();
  const newPage = (viewport, extra) => site.newPage(viewport, extra);

  test('a system admin checks, then imports a service point file, and a bad file lists every problem', async () => {
    const { context, page } = await newPage();
    try {
      await loginAs(page, 'admin');
      await page.goto('/');
      await followNav(page, '组织机构');
      assert.match(await page.title(), /^组织机构设置 · /);
      assert.equal((await page.locator('main h1').innerText()).trim(), '组织机构设置');

      // Checked first: nothing is written while 只检查，不写入 stays ticked.
      const checked = await uploadPoints(page, POINTS, true);
      assert.match(checked, /检查通过（未写入）/, checked);
      const written = await uploadPoints(page, POINTS, false);
      assert.match(written, /导入完成/, written);
      assert.match(written, /新增 1/, written);

      // A bad file: nothing written, the wrong values quoted, identical problems counted together.
      const bad = await uploadPoints(page, BAD_POINTS, false);
      assert.match(bad, /未写入任何数据/, bad);
      assert.ok(bad.includes('“大厅”'), `the value 大厅 is not shown: ${bad}`);
      const groups = (await page.locator('#setup-result ul.error-groups').allInnerTexts()).join(' / ');
      assert.match(groups, /共 2 行/, `grouped summary: ${groups || '(none)'} — ${bad}`);
      assert.ok(bad.includes('“电话”'), `the value 电话 is not shown: ${bad}`);
      await shot(page, 'setup-errors.png');
    } finally {
      await context.close();
    }
  });

  test('the set-up page fits a 390 px wide phone, with and without an error table', async () => {
    const { context, page } = await newPage(PHONE, { isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
    try {
      await loginAs(page, 'admin');
      await page.goto('/admin/setup');
      await page.locator('#file-service-points').waitFor({ state: 'attached' });
      await shot(page, 'setup-phone.png');
      const size = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(size[0] <= size[1], `/admin/setup scrolls sideways on a phone: scrollWidth ${size[0]} > clientWidth ${size[1]}`);
      await assertFitsWidth(page, PHONE.width);

      // The error list is where long texts are; it must not widen the page either.
      await uploadPoints(page, BAD_POINTS, true);
      await assertFitsWidth(page, PHONE.width);
    } finally {
      await context.close();
    }
  });

  test('an anonymous visitor sees the imported service point on the region page, with phone and map links', async () => {
    const { context, page } = await newPage();
    try {
      await page.goto('/regions/511602');
      const point = page.locator('#service-points li', { hasText: '广安区第二政务服务中心' });
      assert.equal(await point.count(), 1, `service points of 511602: ${await textOf(page, '#service-points')}`);
      const tel = point.locator('a[href^="tel:"]');
      assert.equal(await tel.getAttribute('href'), 'tel:0826-2345678');
      assert.equal((await tel.innerText()).trim(), '0826-2345678');
      const geo = point.locator('a[href^="geo:"]');
      assert.equal(await geo.getAttribute('href'), 'geo:30.456100,106.633200');
      assert.ok((await geo.innerText()).trim(), 'the map link has no text');
    } finally {
      await context.close();
    }
  });

  test('the search finds 身份证 items for the homophone typo 身分证 and for the pinyin shenfenzheng', async () => {
    const { context, page } = await newPage();
    try {
      for (const query of ['身分证', 'shenfenzheng']) {
        const names = await searchFromHome(page, query);
        assert.ok(names.some((n) => n.includes('身份证')), `${query} found no 身份证 item: ${names.join('、') || await textOf(page)}`);
      }
    } finally {
      await context.close();
    }
  });

  test('a sub-item guide links to its main item, whose guide lists the sub-item', async () => {
    const { context, page } = await newPage();
    try {
      await openFoodGuide(page);
      let child = (await page.locator('article.guide h1').innerText()).trim();
      // Should the food licence have no main item, any other sub-item shows the same links.
      if (!(await page.locator('#parent-item').count())) {
        const list = await (await page.request.get('/api/v1/items?limit=100')).json();
        child = null;
        for (const item of list.items.slice(0, 40)) {
          await page.goto(`/items/${encodeURIComponent(item.code)}`);
          if (await page.locator('#parent-item').count()) { child = item.name; break; }
        }
        assert.ok(child, 'none of the first 40 guides shows 所属主项');
      } else {
        assert.equal(child, FOOD_ITEM);
      }
      const parentItem = page.locator('#parent-item');
      assert.match(await parentItem.innerText(), /^所属主项：/);
      const up = parentItem.locator('a');
      const parentName = (await up.innerText()).trim();
      await Promise.all([page.waitForURL(/\/items\/[^/?]+$/), up.click()]);
      await page.locator('article.guide h1').waitFor();
      assert.equal((await page.locator('article.guide h1').innerText()).trim(), parentName);

      const children = page.locator('#children');
      assert.ok(await children.count(), `the main item's guide has no #children: ${await textOf(page)}`);
      const listed = await children.locator('a').allInnerTexts();
      assert.ok(listed.some((n) => n.trim() === child), `#children does not list ${child}: ${listed.join('、')}`);
      await shot(page, 'guide-children.png');
    } finally {
      await context.close();
    }
  });
});
