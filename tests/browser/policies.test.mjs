// Browser test of 惠企政策 and 免申即享: the city's catalog administrator writes a policy for
// catering firms in the editor (a value that is not a number and two conditions nobody can meet
// are refused on their rows, the typed rows kept), saves it as a draft and publishes it; the
// platform finds the eligible enterprises among those it knows and tells them. The demo
// enterprise reads the message, sees why it was granted, confirms its bank account (a bad
// number refused first); the administrator records the payment with its voucher; the ledger
// and the enterprise's page show it paid. The public check shows which conditions held but not
// the values behind them. The pages fit a phone.
//
// Screenshots: policy.png (the policy with its ledger), policies-mine.png (390 px wide).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  demoSite, shot, loginAs, alertText, textOf, assertFitsWidth, PHONE,
} from './helpers.mjs';

const TITLE = '餐饮企业稳岗补贴（演示）';

async function submit(page, button) {
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
}

/** Fills rule row `n` (1-based): the fact by its label, the test by its label, the value. */
async function row(page, n, fact, testLabel, value) {
  await page.locator(`#c-fact-${n}`).selectOption({ label: fact });
  await page.locator(`#c-test-${n}`).selectOption({ label: testLabel });
  await page.locator(`#c-value-${n}`).fill(value);
}

describe('惠企政策 in a browser', () => {
  const site = demoSite();
  let policyUrl = '';

  test('a policy is published, the eligible are told, one confirms and is paid', async () => {
    const officer = await site.newPage();
    const page = officer.page;
    await loginAs(page, 'catalog');
    await page.goto('/policies');
    await Promise.all([page.waitForURL(/\/policies\/new$/), page.getByRole('link', { name: '新建政策' }).click()]);

    await page.getByLabel('政策名称').fill(TITLE);
    await page.getByLabel('政策文件（文号）').fill('广安市监演〔2026〕9号（演示）');
    await page.getByLabel('发文单位').selectOption({ label: '广安市市场监督管理局' });
    await page.getByLabel('适用地区（行政区划代码）').fill('511600');
    await page.getByLabel('兑现方式').selectOption({ label: '免申即享' });
    await page.getByLabel('扶持内容').fill('一次性稳岗补贴');
    await page.getByLabel('每户金额（元，非资金填 0）').fill('1500');
    await page.getByLabel('有效期起').fill('2026-01-01');
    await page.getByLabel('有效期止').fill('2027-06-30');
    await page.getByLabel('政策依据（条款）').fill('演示文件第二条（演示数据，不构成政策依据）');
    await row(page, 1, '所属行业（国民经济行业分类代码）', '属于下列代码（含下级）', 'H62');
    await row(page, 2, '注册地（行政区划代码）', '属于下列代码（含下级）', '5116');
    await row(page, 3, '参保职工人数', '不少于', '五');
    await submit(page, '保存草稿');
    assert.match(await alertText(page), /1 处问题/, await textOf(page));
    assert.match(await page.locator('#c-err-3').innerText(), /请填写整数/);
    assert.equal(await page.getByLabel('政策名称').inputValue(), TITLE, 'what was typed stays');
    assert.equal(await page.locator('#c-value-1').inputValue(), 'H62');

    // Two conditions on one fact that nobody meets: named for the rule.
    await page.locator('#c-value-3').fill('50');
    await row(page, 4, '参保职工人数', '不超过', '10');
    await submit(page, '保存草稿');
    assert.match(await textOf(page), /没有人能满足/);

    await page.locator('#c-fact-4').selectOption({ label: '（不用）' });
    await page.locator('#c-value-4').fill('');
    await page.locator('#c-value-3').fill('5');
    await submit(page, '保存草稿');
    assert.match(new URL(page.url()).pathname, /^\/policies\/[0-9a-f-]{36}$/, await textOf(page));
    policyUrl = new URL(page.url()).pathname;
    assert.match(await textOf(page), /草稿/);
    assert.match(await textOf(page), /所属行业（国民经济行业分类代码）属于 H62/);

    await submit(page, '发布并比对兑现');
    const flash = await page.locator('.flash').innerText();
    const m = flash.match(/符合条件 (\d+) 户，本次新认定 (\d+) 户/);
    assert.ok(m && Number(m[2]) >= 2 && m[1] === m[2], `found and granted: ${flash}`);
    assert.match(await textOf(page), /已发布（第 1 版/);

    // The demo enterprise (a 餐饮 firm of 广安区 with 8 insured staff) was told.
    const firm = await site.newPage();
    const fp = firm.page;
    await loginAs(fp, site.server.enterprise);
    await fp.goto('/cases');
    assert.match(await fp.locator('#messages').innerText(), new RegExp(`您符合“${TITLE}”`));
    await fp.goto('/policies/mine');
    const card = fp.locator('#grants .card', { hasText: TITLE });
    assert.match(await card.innerText(), /已认定，待确认收款账户/);
    await card.locator('summary').click();
    assert.match(await card.innerText(), /参保职工人数不少于 5：8/, 'the reasons, with the value held');

    // A bad account number is refused on its field; then the right one.
    await card.getByLabel('开户银行').fill('四川农信广安分行');
    await card.getByLabel(/银行账号/).fill('6217-88');
    await Promise.all([fp.waitForLoadState('load'), card.getByRole('button', { name: '确认收款账户' }).click()]);
    const again = fp.locator('#grants .card', { hasText: TITLE });
    assert.match(await again.innerText(), /8 至 32 位数字/, await textOf(fp));
    assert.equal(await again.getByLabel('开户银行').inputValue(), '四川农信广安分行');
    await again.getByLabel(/银行账号/).fill('6217 8800 0012 3456');
    await Promise.all([fp.waitForURL(/#grants$/), again.getByRole('button', { name: '确认收款账户' }).click()]);
    const confirmed = fp.locator('#grants .card', { hasText: TITLE });
    assert.match(await confirmed.innerText(), /已确认账户，待兑付/);
    assert.match(await confirmed.innerText(), /\*\*\*\*3456/);

    // The department pays and records the voucher.
    await page.goto(policyUrl);
    const line = page.locator('#grants tr', { hasText: '广安市演示餐饮有限公司' });
    assert.match(await line.innerText(), /6217880000123456/, 'the officer who pays sees the account');
    await line.getByLabel('支付凭证号').fill('GKZF-2026-0091');
    await Promise.all([page.waitForLoadState('load'), line.getByRole('button', { name: '登记兑付' }).click()]);
    assert.match(await page.locator('#grants tr', { hasText: '广安市演示餐饮有限公司' }).innerText(), /GKZF-2026-0091/);
    const ledger = await page.locator('section', { hasText: '兑现台账' }).innerText();
    assert.match(ledger, /1,?500\.00 元|1500\.00 元/, ledger);
    await shot(page, 'policy.png');

    await fp.goto('/policies/mine');
    assert.match(await fp.locator('#grants .card', { hasText: TITLE }).innerText(), /已兑付（凭证号 GKZF-2026-0091）/);
    await fp.goto('/cases');
    assert.match(await fp.locator('#messages').innerText(), /已拨付至您尾号 3456 的账户/);
    await firm.context.close();
    await officer.context.close();
  });

  test('the public check says which conditions held, not the values', async () => {
    const { context, page } = await site.newPage();
    await page.goto('/policies');
    await page.getByLabel('统一社会信用代码').fill(site.server.enterprise);
    await submit(page, '查询');
    const card = page.locator('.card', { hasText: TITLE });
    const text = await card.innerText();
    assert.match(text, /已认定/, text);
    assert.match(text, /仅该企业登录后可见/);
    assert.ok(!text.includes('H6210'), 'the industry code held is not shown to a visitor');
    await page.getByLabel('统一社会信用代码').fill('91511602MA6P0000');
    await submit(page, '查询');
    assert.match(await page.locator('#pc-code-err').innerText(), /统一社会信用代码有误/);
    await context.close();
  });

  test('the policy pages fit a phone', async () => {
    const { context, page } = await site.newPage(PHONE);
    await loginAs(page, site.server.enterprise);
    await page.goto('/policies/mine');
    await assertFitsWidth(page, PHONE.width);
    await shot(page, 'policies-mine.png');
    await page.goto(policyUrl || '/policies');
    await assertFitsWidth(page, PHONE.width);
    await page.goto('/policies');
    await assertFitsWidth(page, PHONE.width);
    await context.close();
  });
});
