// Browser test of rights by level: a visitor finds from the map what 北辰街道便民服务中心 may
// accept and conclude (a power 民政局 devolved to it among them). The county's catalog
// administrator gives 广福街道 a power to accept (refused without its basis first) and
// devolves 退役报到 to it from today; she cannot take over her own delegation, the city's
// administrator does, and 广福街道 then concludes one more item. The page fits a phone.
//
// Screenshot: point-rights.png.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { demoSite, shot, loginAs, alertText, textOf, assertFitsWidth, PHONE } from './helpers.mjs';

const SHOP = '11511602006582128Q4010010006001';
const VETERANS = '1151160200381166944200190001001';

async function submit(page, button, scope = page) {
  await Promise.all([
    page.waitForLoadState('load'),
    scope.getByRole('button', { name: button, exact: true }).click(),
  ]);
}

async function counts(page) {
  return [
    Number(await page.locator('#accept-count').innerText()),
    Number(await page.locator('#conclude-count').innerText()),
  ];
}

describe('Rights by level in a browser', () => {
  const site = demoSite();

  test('a township publishes what it may do, and a devolved power taken over adds to it', async () => {
    const visitor = await site.newPage();
    const vp = visitor.page;
    await vp.goto('/map');
    const card = vp.locator('#map-points li', { hasText: '北辰街道便民服务中心' });
    await Promise.all([vp.waitForURL(/\/points\/511602001-BMFW$/), card.getByRole('link', { name: '可受理和可办结的事项' }).click()]);
    const [accept, conclude] = await counts(vp);
    assert.ok(accept >= 4 && conclude >= 2, `accept ${accept}, conclude ${conclude}`);
    const row = await vp.locator('#rights tr', { hasText: '困难残疾人生活补贴' }).innerText();
    assert.match(row, /可受理、可办结/);
    assert.match(row, /广安市广安区民政局下放/, row);
    assert.match(await vp.locator('#rights tr', { hasText: '最低生活保障' }).innerText(), /可受理（转有权机关办结）/);
    await shot(vp, 'point-rights.png');

    const admin = await site.newPage();
    const ap = admin.page;
    await loginAs(ap, 'catalog-gaq');
    await ap.goto('/points/511602002-BMFW');
    const before = await counts(ap);
    const form = ap.locator('form[action$="/rights"]');
    await form.getByLabel('事项实施编码').fill(SHOP);
    await form.getByLabel('收件受理').check();
    await submit(ap, '保存权限');
    assert.match(await alertText(ap), /1 处问题/);
    assert.match(await ap.locator('#r-basis-err').innerText(), /须写明依据/);
    assert.equal(await ap.locator('form[action$="/rights"]').getByLabel('事项实施编码').inputValue(), SHOP);
    await ap.locator('form[action$="/rights"]').getByLabel('依据').fill('广安区政务服务事项实施清单（演示）');
    await submit(ap, '保存权限');
    assert.deepEqual(await counts(ap), [before[0] + 1, before[1]]);

    const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
    const dl = ap.locator('form[action$="/delegations"]');
    await dl.getByLabel('方式').selectOption({ label: '下放' });
    await dl.getByLabel('事项实施编码').fill(VETERANS);
    await dl.getByLabel('起始日期').fill(today);
    await dl.getByLabel('依据（下放或委托文件）').fill('广安区关于向街道下放退役军人服务事项的通知（演示）');
    await submit(ap, '提出下放或委托');
    const line = ap.locator('#delegations tr', { hasText: '退役报到' });
    assert.match(await line.innerText(), /待承接/);
    assert.equal(await line.getByRole('button', { name: '承接' }).count(), 0, 'not by the one who wrote it');

    const city = await site.newPage();
    const cp = city.page;
    await loginAs(cp, 'catalog');
    await cp.goto('/points/511602002-BMFW');
    const after = await counts(cp);
    await submit(cp, '承接', cp.locator('#delegations tr', { hasText: '退役报到' }));
    assert.match(await cp.locator('#delegations tr', { hasText: '退役报到' }).innerText(), /已承接（生效中）/);
    assert.deepEqual(await counts(cp), [after[0] + 1, after[1] + 1]);
    await Promise.all([visitor.context.close(), admin.context.close(), city.context.close()]);
  });

  test('the rights page fits a phone', async () => {
    const { context, page } = await site.newPage(PHONE);
    await page.goto('/points/511602001-BMFW');
    await assertFitsWidth(page, PHONE.width);
    assert.match(await textOf(page), /本场所可受理/);
    await context.close();
  });
});
