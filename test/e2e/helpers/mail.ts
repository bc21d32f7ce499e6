/** Driving Roundcube 1.6 (elastic skin) the way a person would: log in, write, open a mail. */
import type { Frame, Page } from 'playwright-core';
import { MAIL_DOMAIN, MAIL_PASSWORD, type MailStack, type MailUser, type StoredMail } from '../../stacks/mail';

export async function roundcubeLogin(page: Page, url: string, user: MailUser): Promise<void> {
  await page.goto(url);
  await page.fill('#rcmloginuser', user);
  await page.fill('#rcmloginpwd', MAIL_PASSWORD);
  await page.click('#rcmloginsubmit');
  // The list is in the DOM (maybe hidden while empty) once the mailbox view is up.
  await page.waitForSelector('#messagelist', { state: 'attached', timeout: 20_000 });
}

export interface Draft {
  to: MailUser;
  subject: string;
  body: string;
  /** Write in the HTML (TinyMCE) editor instead of the plain-text one. */
  html?: boolean;
}

/** Opens the compose screen for a new mail, or for a reply/forward of the mail shown. */
export async function roundcubeOpenCompose(page: Page, url: string): Promise<void> {
  await page.goto(`${url}?_task=mail&_action=compose`);
  await page.waitForSelector('#composebody', { state: 'attached', timeout: 20_000 });
}

/** Switches the editor the way the "HTML" toggle does, and waits for TinyMCE's frame. */
export async function roundcubeUseHtmlEditor(page: Page): Promise<void> {
  // A reply to an HTML mail opens in TinyMCE already (the stack sets htmleditor = 2).
  if ((await page.locator('iframe#composebody_ifr').count()) > 0) return;
  // The command is enabled once Roundcube's compose screen has finished initialising.
  await page.waitForFunction(() => (window as unknown as { rcmail?: { commands: Record<string, unknown> } }).rcmail?.commands['toggle-editor'] === true);
  await page.evaluate(() => {
    const rc = (window as unknown as { rcmail: { command(c: string, p: unknown): unknown } }).rcmail;
    rc.command('toggle-editor', { id: 'composebody', html: true });
  });
  await page.waitForSelector('iframe#composebody_ifr', { timeout: 20_000 });
}

/** Types the body into whichever editor is active: the textarea, or TinyMCE's editable frame. */
export async function roundcubeTypeBody(page: Page, body: string, html: boolean): Promise<void> {
  if (!html) {
    await page.fill('#composebody', body);
    return;
  }
  const editor = page.frameLocator('iframe#composebody_ifr').locator('body#tinymce');
  await editor.click();
  // insertText keeps the ciphertext as one text node, as pasting it would.
  await page.keyboard.insertText(body);
}

export async function roundcubeFillHeaders(page: Page, to: string | null, subject: string | null): Promise<void> {
  if (to !== null) {
    const input = page.locator('#compose_to ul.recipient-input input');
    await input.fill(`${to}@${MAIL_DOMAIN}`);
    await input.press('Enter');
  }
  if (subject !== null) await page.fill('#compose-subject', subject);
}

export async function roundcubeSend(page: Page): Promise<void> {
  await page.click('#layout-content .formbuttons button.send, button.btn.send');
  // Roundcube goes back to the mailbox once SMTP accepted the mail.
  try {
    await page.waitForURL((u) => !u.search.includes('_action=compose'), { timeout: 30_000 });
  } catch (err) {
    // Say what Roundcube said instead (a dialog or a status message).
    const said = await page.locator('.ui-dialog, #messagestack').allInnerTexts();
    throw new Error(`Roundcube did not send: ${said.join(' | ')}`, { cause: err });
  }
}

export async function roundcubeWrite(page: Page, url: string, draft: Draft): Promise<void> {
  await roundcubeOpenCompose(page, url);
  if (draft.html) await roundcubeUseHtmlEditor(page);
  await roundcubeFillHeaders(page, draft.to, draft.subject);
  await roundcubeTypeBody(page, draft.body, draft.html === true);
  await roundcubeSend(page);
}

/** Opens the mail with this subject from the inbox list; returns the frame showing it. */
export async function roundcubeOpenMail(page: Page, url: string, subject: string): Promise<Frame> {
  await page.goto(`${url}?_task=mail&_mbox=INBOX`);
  const row = page.locator('#messagelist tr', { hasText: subject }).first();
  await row.waitFor({ timeout: 20_000 });
  await row.click();
  const frame = await (await page.waitForSelector('iframe#messagecontframe', { timeout: 20_000 })).contentFrame();
  if (!frame) throw new Error('message frame missing');
  await frame.waitForSelector('#messagebody', { timeout: 20_000 });
  return frame;
}

/** Waits until the user's Maildir holds a message whose raw text matches. */
export async function waitForDelivery(stack: MailStack, user: MailUser, match: (m: StoredMail) => boolean): Promise<StoredMail> {
  const end = Date.now() + 30_000;
  for (;;) {
    const hit = stack.inbox(user).find(match);
    if (hit) return hit;
    if (Date.now() > end) throw new Error(`no matching mail for ${user}; postfix log:\n${stack.postfixLog()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The UID of the newest mail in the user's INBOX list, once it holds at least `count` mails. */
export async function roundcubeNewestUid(page: Page, url: string, count: number): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    await page.goto(`${url}?_task=mail&_mbox=INBOX`);
    await page.waitForSelector('#messagelist', { state: 'attached', timeout: 20_000 });
    // Roundcube writes the UID base64-encoded into the row id; the list fills after the page.
    const uids = await page
      .locator('#messagelist tr[id^=rcmrow]')
      .nth(count - 1)
      .waitFor({ state: 'attached', timeout: 5_000 })
      .then(() => page.locator('#messagelist tr[id^=rcmrow]').evaluateAll((trs) => trs.map((tr) => tr.id.replace(/^rcmrow/, ''))))
      .catch(() => [] as string[]);
    if (uids.length >= count) return String(Math.max(...uids.map((id) => Number(Buffer.from(id, 'base64').toString()))));
    if (attempt >= 5) throw new Error(`INBOX shows fewer than ${count} mails`);
  }
}

/** Opens a mail on its own page (Roundcube's "show", where OffRecord's reader frames sit). */
export async function roundcubeShow(page: Page, url: string, uid: string, timeout = 20_000): Promise<void> {
  await page.goto(`${url}?_task=mail&_action=show&_uid=${uid}&_mbox=INBOX`, { timeout });
  // Attached, not visible: OffRecord hides a body that carried only protocol messages.
  await page.waitForSelector('#messagebody', { state: 'attached', timeout });
}

/** Opens the reply to a mail (Roundcube's compose screen with the recipient and quote filled in). */
export async function roundcubeReplyTo(page: Page, url: string, uid: string): Promise<void> {
  await page.goto(`${url}?_task=mail&_action=compose&_reply_uid=${uid}&_mbox=INBOX`);
  await page.waitForSelector('#composebody', { state: 'attached', timeout: 20_000 });
}

/** Waits until Roundcube has left the compose screen (SMTP took the mail). */
export async function roundcubeLeftCompose(page: Page): Promise<void> {
  await page.waitForURL((u) => !u.search.includes('_action=compose'), { timeout: 30_000 });
}

/**
 * Hands a plain-text mail to the stack's Postfix over SMTP, as another mail client would: for
 * mails no webmail would write (a damaged ciphertext). Lines must not start with ".".
 */
export async function smtpSend(stack: MailStack, from: MailUser, to: MailUser, subject: string, body: string): Promise<void> {
  const { createConnection } = await import('node:net');
  const socket = createConnection({ host: '127.0.0.1', port: stack.smtpPort });
  socket.setEncoding('utf8');
  let buffer = '';
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    waiters.splice(0).forEach((w) => w());
  });
  /** Waits for a whole reply (its last line has a space after the code) and checks its code. */
  const reply = async (code: string): Promise<void> => {
    for (const end = Date.now() + 10_000; ; ) {
      const m = /(^|\n)(\d{3}) [^\n]*\n/.exec(buffer);
      if (m) {
        buffer = buffer.slice(m.index + m[0].length);
        if (m[2] !== code) throw new Error(`SMTP: expected ${code}, got ${m[0].trim()}`);
        return;
      }
      if (Date.now() > end) throw new Error(`SMTP: no ${code} reply`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  const say = async (line: string, code: string) => {
    socket.write(`${line}\r\n`);
    await reply(code);
  };
  try {
    await reply('220');
    await say('HELO localhost', '250');
    await say(`MAIL FROM:<${from}@${MAIL_DOMAIN}>`, '250');
    await say(`RCPT TO:<${to}@${MAIL_DOMAIN}>`, '250');
    await say('DATA', '354');
    const headers = [`From: ${from} <${from}@${MAIL_DOMAIN}>`, `To: ${to} <${to}@${MAIL_DOMAIN}>`, `Subject: ${subject}`, `Date: ${new Date().toUTCString()}`, 'Content-Type: text/plain; charset=us-ascii'];
    await say(`${headers.join('\r\n')}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}\r\n.`, '250');
    await say('QUIT', '221');
  } finally {
    socket.destroy();
  }
}
