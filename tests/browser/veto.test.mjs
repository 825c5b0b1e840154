// Browser test of 窗口无否决权: a citizen files the food business licence online; the window
// clerk proposes 不予受理 (a one-word reason is refused: the applicant must read why), and the
// case waits for a second person; the clerk cannot confirm it. The department's 批准人 finds it
// in the approver's queue, sends it back once with a note, the clerk proposes again, and the
// 批准人 confirms: the case is refused with the clerk's reason.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoSite, loginAs, factValue } from './helpers.mjs';
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
});
