// Browser test of 窗口无否决权: a citizen files the food business licence online; the window
// clerk proposes 不予受理 (a one-word reason is refused: the applicant must read why), and the
// case waits for a second person; the clerk cannot confirm it. The department's 批准人 finds it
// in the approver's queue, sends it back once with a note, the clerk proposes again, and the
// 批准人 confirms: the case is refused with the clerk's reason. A window 不予许可 of a 即办件
// goes the same way, with its legal basis, and ends in the 不予许可 decision. A 办不成事 report: the citizen
// says what was not done, the department answers, the citizen reopens once with why, then
// confirms it resolved; the department's count shows it.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoSite, loginAs, factValue, shot } from './helpers.mjs';
import {
  FACTS, act, caseState, applyOnline, fillForm, uploadKeyMaterials, openFromQueue, problem,
} from './case-helpers.mjs';

const REASON = '申请人提交的营业执照已注销，不具备申请主体资格';

describe('窗口无否决权 in a browser', () => {
  const site = demoSite();

  test('a refusal at the window needs the 批准人, who may send it back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onewindow-veto-'));
    const citizen = await site.newPage();
    const clerk = await site.newPage();
    const chief = await site.newPage();
    try {
      const cp = citizen.page;
      await loginAs(cp, site.server.citizen);
      const { id } = await applyOnline(cp);
      await fillForm(cp);
      await uploadKeyMaterials(cp, dir);
      await act(cp, '#do-submit', '已提交（预审中）');
      const number = await factValue(cp, FACTS, '办件编号');

      const kp = clerk.page;
      kp.on('dialog', (d) => d.accept());
      await loginAs(kp, 'clerk');
      await openFromQueue(kp, 'clerk', number, id);
      await kp.locator('#reason').fill('不符合');
      await act(kp, 'button[value=reject_at_intake]').then(
        () => assert.fail('a one-word reason went through'),
        () => {},
      );
      assert.match(await problem(kp), /完整的话/);
      await kp.goto(`/cases/${id}`);
      await kp.locator('#reason').fill(REASON);
      await act(kp, 'button[value=reject_at_intake]', '不予受理待复核');
      assert.equal(await kp.locator('#case-form button[value=confirm_refusal]').count(), 0, 'not by the clerk');

      const ap = chief.page;
      ap.on('dialog', (d) => d.accept());
      await loginAs(ap, 'approver');
      await openFromQueue(ap, 'approver', number, id);
      assert.match(await ap.locator('#refusal-review').innerText(), new RegExp(REASON));
      await ap.locator('#refusal-note').fill('执照状态请以登记系统为准，复核为存续');
      await act(ap, 'button[value=overturn_refusal]', '已提交（预审中）');

      await kp.goto(`/cases/${id}`);
      await kp.locator('#reason').fill(REASON);
      await act(kp, 'button[value=reject_at_intake]', '不予受理待复核');
      await openFromQueue(ap, 'approver', number, id);
      await act(ap, 'button[value=confirm_refusal]', '不予受理');

      await cp.goto(`/cases/${id}`);
      assert.equal(await caseState(cp), '不予受理');
      assert.match(await cp.locator('main').innerText(), new RegExp(REASON));
    } finally {
      await Promise.all([citizen.context.close(), clerk.context.close(), chief.context.close()]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a window 不予许可 of a 即办件 also needs the 批准人', async () => {
    const clerk = await site.newPage();
    const chief = await site.newPage();
    try {
      const kp = clerk.page;
      kp.on('dialog', (d) => d.accept());
      await loginAs(kp, 'clerk');
      await kp.goto('/work');
      await kp.locator('#w-item').fill('11511600001516260L3100010003001');
      await kp.locator('#w-app').fill(site.server.citizen);
      await Promise.all([kp.waitForURL(/\/cases\/[^/?]+$/), kp.getByRole('button', { name: '开始受理', exact: true }).click()]);
      const id = new URL(kp.url()).pathname.split('/').pop();
      for (const box of await kp.locator('#case-form input[type=checkbox][name^=check_]').all()) await box.check();
      await fillForm(kp);
      await act(kp, '#do-submit', '已提交（预审中）');
      await act(kp, '#do-accept', '已受理');
      const number = await factValue(kp, FACTS, '办件编号');
      await kp.locator('#reason').fill('经营场所为住宅，不符合食品经营场所要求');
      await kp.locator('#legal_basis').fill('《食品经营许可和备案管理办法》第十二条');
      await act(kp, 'button[value=deny]', '不予许可待复核');
      assert.equal(await kp.locator('#case-form button[value=confirm_refusal]').count(), 0, 'not by the clerk');

      const ap = chief.page;
      ap.on('dialog', (d) => d.accept());
      await loginAs(ap, 'approver');
      await openFromQueue(ap, 'approver', number, id);
      assert.match(await ap.locator('#refusal-review legend').innerText(), /不予许可复核/);
      assert.match(await ap.locator('#refusal-review').innerText(), /依据：《食品经营许可和备案管理办法》第十二条/);
      await act(ap, 'button[value=confirm_refusal]', '不予许可');
      assert.match(await factValue(ap, FACTS, '不予许可决定'), /经营场所为住宅/);
    } finally {
      await Promise.all([clerk.context.close(), chief.context.close()]);
    }
  });

  test('a 办不成事 report is answered by its department and closed by the person', async () => {
    const citizen = await site.newPage();
    const staff = await site.newPage();
    try {
      const cp = citizen.page;
      await loginAs(cp, site.server.citizen);
      await cp.goto('/unresolved');
      await cp.getByLabel('责任部门').selectOption({ label: '广安市市场监督管理局' });
      await Promise.all([cp.waitForLoadState('load'), cp.getByRole('button', { name: '提交反映' }).click()]);
      assert.match(await cp.locator('#u-what-err').innerText(), /不能为空/);
      await cp.getByLabel('没办成的事和经过').fill('食品经营许可证延续在窗口两次被告知系统故障，没办成');
      await Promise.all([cp.waitForLoadState('load'), cp.getByRole('button', { name: '提交反映' }).click()]);
      assert.match(await cp.locator('#tickets').innerText(), /办理中/);

      const sp = staff.page;
      await loginAs(sp, 'approver');
      await sp.goto('/unresolved');
      const ticket = sp.locator('#tickets article', { hasText: '系统故障' });
      await ticket.getByLabel('答复（如何解决的）').fill('已安排专人联系，次日上门办结');
      await Promise.all([sp.waitForLoadState('load'), ticket.getByRole('button', { name: '答复' }).click()]);
      assert.match(await sp.locator('#tickets article', { hasText: '系统故障' }).innerText(), /已答复，待本人确认/);

      await cp.goto('/unresolved');
      let mine = cp.locator('#tickets article', { hasText: '系统故障' });
      assert.match(await mine.innerText(), /次日上门办结/);
      await mine.getByLabel('还没解决？请说明原因').fill('至今没有人联系我');
      await Promise.all([cp.waitForLoadState('load'), mine.getByRole('button', { name: '未解决，重新提出' }).click()]);
      assert.match(await cp.locator('#tickets article', { hasText: '系统故障' }).innerText(), /重新提出 1 次/);

      await sp.goto('/unresolved');
      const again = sp.locator('#tickets article', { hasText: '系统故障' });
      await again.getByLabel('答复（如何解决的）').fill('已电话联系并上门办结，证照已送达');
      await Promise.all([sp.waitForLoadState('load'), again.getByRole('button', { name: '答复' }).click()]);

      await cp.goto('/unresolved');
      mine = cp.locator('#tickets article', { hasText: '系统故障' });
      await Promise.all([cp.waitForLoadState('load'), mine.getByRole('button', { name: '确认已解决' }).click()]);
      assert.match(await cp.locator('#tickets article', { hasText: '系统故障' }).innerText(), /已解决（本人确认）/);

      await sp.goto('/unresolved');
      const row = await sp.locator('#unresolved-counts tr', { hasText: '广安市市场监督管理局' }).innerText();
      assert.match(row, /1\s+1\s+0/, row);
      await shot(sp, 'unresolved.png');
    } finally {
      await Promise.all([citizen.context.close(), staff.context.close()]);
    }
  });
});
