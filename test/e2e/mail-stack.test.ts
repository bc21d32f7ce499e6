/**
 * The mail stack comes up and carries mail end to end without the extension: alice writes to bob
 * in Roundcube (plain-text and HTML editors), Postfix delivers into bob's Maildir, Dovecot serves
 * it, and bob reads it in Roundcube.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { startMailStack, MAIL_DOMAIN, type MailStack } from '../stacks/mail';
import { launchPlainChromium } from './helpers/browser';
import { roundcubeLogin, roundcubeOpenMail, roundcubeWrite, waitForDelivery } from './helpers/mail';

describe('mail stack: Postfix + Dovecot + Roundcube', () => {
  let stack: MailStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startMailStack(), launchPlainChromium()]);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await stack?.stop();
  });

  async function pageFor(): Promise<import('playwright-core').Page> {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    contexts.push(ctx);
    return ctx.newPage();
  }

  it('alice sends to bob from the plain-text editor; bob reads it; the Maildir holds it', async () => {
    const alice = await pageFor();
    await roundcubeLogin(alice, stack.url, 'alice');
    const body = 'Hello Bob, this is plain text from Alice. Ünïcode ✓';
    await roundcubeWrite(alice, stack.url, { to: 'bob', subject: 'Stack check plain', body });

    const stored = await waitForDelivery(stack, 'bob', (m) => m.raw.includes('Subject: Stack check plain'));
    expect(stored.raw).toMatch(new RegExp(`^From: .*alice@${MAIL_DOMAIN}`, 'm'));
    expect(stored.raw).toMatch(new RegExp(`^To: .*bob@${MAIL_DOMAIN}`, 'm'));
    expect(stored.raw).toContain('Content-Type: text/plain');
    expect(stack.postfixLog()).toMatch(/to=<bob@offrecord\.test>, relay=virtual.*status=sent/);

    const bob = await pageFor();
    await roundcubeLogin(bob, stack.url, 'bob');
    const frame = await roundcubeOpenMail(bob, stack.url, 'Stack check plain');
    expect(await frame.textContent('#messagebody')).toContain(body);
  });

  it('alice sends from the HTML editor; the mail is multipart with an HTML part', async () => {
    const alice = await pageFor();
    await roundcubeLogin(alice, stack.url, 'alice');
    const body = 'Hello Bob, written in TinyMCE.';
    await roundcubeWrite(alice, stack.url, { to: 'bob', subject: 'Stack check html', body, html: true });

    const stored = await waitForDelivery(stack, 'bob', (m) => m.raw.includes('Subject: Stack check html'));
    expect(stored.raw).toContain('Content-Type: text/html');
    expect(stored.raw).toContain(body);

    const bob = await pageFor();
    await roundcubeLogin(bob, stack.url, 'bob');
    const frame = await roundcubeOpenMail(bob, stack.url, 'Stack check html');
    expect(await frame.textContent('#messagebody')).toContain(body);
    expect(stack.inbox('alice')).toHaveLength(0);
  });
});
