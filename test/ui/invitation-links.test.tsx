import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { Settings } from '../../src/messaging/schema';
import { InvitationLinks } from '../../src/ui/options/InvitationLinks';
import { en, installI18n } from './helpers';

beforeEach(() => {
  fakeBrowser.reset();
  installI18n();
});
afterEach(cleanup);

const CHROME = 'https://chromewebstore.google.com/search/OffRecord';
const FIREFOX = 'https://addons.mozilla.org/firefox/addon/offrecord/';
const settings: Settings = { historyRetention: 'off', idleDays: 7, contactLog: true, storeLinks: { chrome: CHROME, firefox: FIREFOX } };

describe('options: invitation links', () => {
  it('shows both store links and the query as sent, tag first, in one line', () => {
    render(<InvitationLinks settings={settings} onChange={vi.fn()} />);
    expect((screen.getByLabelText(en('invite_chrome_label')) as HTMLInputElement).value).toBe(CHROME);
    expect((screen.getByLabelText(en('invite_firefox_label')) as HTMLInputElement).value).toBe(FIREFOX);
    const preview = document.querySelector('[data-offrecord="invite-preview"]')!.textContent!;
    expect(preview.startsWith(`?OTRv23? ${en('invite_request', en('invite_preview_name'))}`)).toBe(true);
    expect(preview).toContain(`Chrome: ${CHROME}, Firefox: ${FIREFOX}`);
    expect(preview).not.toContain('\n');
  });

  it('saves a changed link, and refuses one that is not https', () => {
    const onChange = vi.fn();
    render(<InvitationLinks settings={settings} onChange={onChange} />);
    const save = screen.getByRole('button', { name: en('save') }) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    const firefox = screen.getByLabelText(en('invite_firefox_label'));
    fireEvent.input(firefox, { target: { value: 'http://example.org/x' } });
    expect(screen.getByRole('alert').textContent).toBe(en('invite_invalid'));
    expect(save.disabled).toBe(true);
    fireEvent.input(firefox, { target: { value: ' https://addons.mozilla.org/android/addon/offrecord/ ' } });
    expect(screen.queryByRole('alert')).toBeNull();
    fireEvent.click(save);
    expect(onChange).toHaveBeenCalledWith({ storeLinks: { chrome: CHROME, firefox: 'https://addons.mozilla.org/android/addon/offrecord/' } });
  });

  it('an emptied link leaves that store out of the invitation', () => {
    render(<InvitationLinks settings={settings} onChange={vi.fn()} />);
    fireEvent.input(screen.getByLabelText(en('invite_chrome_label')), { target: { value: '' } });
    const preview = document.querySelector('[data-offrecord="invite-preview"]')!.textContent!;
    expect(preview).not.toContain('Chrome');
    expect(preview).toContain(`Firefox: ${FIREFOX}`);
  });
});
