import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import qrcode from 'qrcode-generator';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { PopupView, type PopupActions, type PopupData } from '../../src/ui/popup/PopupView';
import { FP_ACCOUNT, FP_ALICE, account, conversation, en, installI18n, key, peer } from './helpers';

function actions(): PopupActions {
  return {
    unlock: vi.fn(async () => {}),
    openOptions: vi.fn(),
    restart: vi.fn(),
    start: vi.fn(),
    end: vi.fn(),
    acknowledgeChange: vi.fn(),
    setTrust: vi.fn(),
    forget: vi.fn(),
    acknowledge: vi.fn(),
    smpStart: vi.fn(),
    smpAnswer: vi.fn(),
    smpAbort: vi.fn(),
    verifyManual: vi.fn(),
  };
}
const base: PopupData = { identity: null, keys: [], accounts: [], conversations: [], peers: [] };

describe('popup: identity states', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    installI18n();
  });
  afterEach(cleanup);

  it('waits for the background before showing anything', () => {
    render(<PopupView data={base} actions={actions()} />);
    expect(screen.getByRole('status').textContent).toBe(en('loading'));
  });

  it('first run: shows the key being made with a progress bar, on the identity tab', () => {
    render(<PopupView data={{ ...base, identity: { state: 'generating', progress: 0.4 } }} actions={actions()} />);
    expect(screen.getByRole('tab', { name: en('tab_identity') }).getAttribute('aria-selected')).toBe('true');
    const bar = screen.getByRole('progressbar', { name: en('generating_title') });
    expect(bar.getAttribute('aria-valuenow')).toBe('40');
    expect(screen.getByText(en('generating_body'))).toBeTruthy();
  });

  it('first run without a known fraction: an indeterminate bar', () => {
    render(<PopupView data={{ ...base, identity: { state: 'generating', progress: 0 } }} actions={actions()} />);
    const bar = screen.getByRole('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBeNull();
    expect(bar.className).toContain('progress-indeterminate');
  });

  it('ready: the fingerprint in 5 groups of 8 uppercase hex, copy and QR', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const data: PopupData = {
      ...base,
      identity: { state: 'ready', fingerprint: FP_ALICE.toLowerCase().replace(/ /g, ''), passphraseSet: false },
      keys: [key()],
    };
    render(<PopupView data={data} actions={actions()} />);
    const fp = screen.getByLabelText(`${en('identity_fp_label')}: ${FP_ALICE}`);
    expect(fp.textContent).toBe(FP_ALICE);
    expect(fp.textContent).toMatch(/^([0-9A-F]{8} ){4}[0-9A-F]{8}$/);
    expect(screen.getByText(en('identity_used_everywhere'))).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: en('copy_fingerprint') }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(FP_ALICE));
    expect(await screen.findByRole('status')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: en('qr_show') }));
    const qr = screen.getByRole('img', { name: en('qr_label', FP_ALICE) });
    // The path draws exactly the dark modules of the QR code for that text.
    const ref = qrcode(0, 'M');
    ref.addData(FP_ALICE);
    ref.make();
    let dark = 0;
    for (let r = 0; r < ref.getModuleCount(); r++) for (let c = 0; c < ref.getModuleCount(); c++) if (ref.isDark(r, c)) dark++;
    const d = qr.querySelector('path')!.getAttribute('d')!;
    expect(d.match(/M/g)!.length).toBe(dark);
    expect(qr.getAttribute('viewBox')).toBe(`-4 -4 ${ref.getModuleCount() + 8} ${ref.getModuleCount() + 8}`);
  });

  it('shows which accounts use which key', () => {
    const data: PopupData = {
      ...base,
      identity: { state: 'ready', fingerprint: FP_ALICE, passphraseSet: false },
      keys: [
        key(),
        key({ keyId: 'k-work', fingerprint: FP_ACCOUNT, isIdentity: false, accounts: [{ site: 'converse', account: 'alice@work' }] }),
      ],
      accounts: [account(), account({ site: 'converse', account: 'alice@work', keyId: 'k-work', fingerprint: FP_ACCOUNT, usesIdentity: false })],
    };
    render(<PopupView data={data} actions={actions()} />);
    expect(screen.getByText(en('identity_used_by', 'alice (thelounge)'))).toBeTruthy();
    expect(screen.getByText(en('account_key_used_by', 'alice@work (converse)'))).toBeTruthy();
    expect(screen.getByLabelText(`${en('account_key_fp_label')}: ${FP_ACCOUNT}`)).toBeTruthy();
  });

  it('locked: asks for the passphrase and reports a wrong one', async () => {
    const a = actions();
    a.unlock = vi.fn(async () => {
      throw new Error('wrong passphrase');
    });
    render(<PopupView data={{ ...base, identity: { state: 'locked' } }} actions={a} />);
    expect(screen.queryByRole('tablist')).toBeNull();
    const input = screen.getByLabelText(en('passphrase'));
    fireEvent.input(input, { target: { value: 'hunter22' } });
    fireEvent.click(screen.getByRole('button', { name: en('unlock') }));
    expect(a.unlock).toHaveBeenCalledWith('hunter22');
    expect((await screen.findByRole('alert')).textContent).toBe('wrong passphrase');
  });

  it('shows a store error plainly', () => {
    render(<PopupView data={{ ...base, identity: { state: 'error', code: 'corrupt', message: 'key record damaged' } }} actions={actions()} />);
    expect(screen.getByRole('alert').textContent).toContain('key record damaged');
  });

  it('opens on This tab when the page has conversations, and tabs move with the arrow keys', () => {
    const data: PopupData = {
      ...base,
      identity: { state: 'ready', fingerprint: FP_ALICE, passphraseSet: false },
      conversations: [conversation()],
      peers: [peer({ changedWarning: true })],
    };
    render(<PopupView data={data} actions={actions()} />);
    const tabThis = screen.getByRole('tab', { name: /This tab/ });
    expect(tabThis.getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('tabpanel').getAttribute('aria-labelledby')).toBe('tab-tab');
    fireEvent.keyDown(tabThis, { key: 'ArrowRight' });
    expect(screen.getByRole('tab', { name: en('tab_identity') }).getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(screen.getByRole('tab', { name: en('tab_identity') }));
    fireEvent.keyDown(document.activeElement!, { key: 'End' });
    expect(screen.getByRole('tab', { name: /Known peers/ }).getAttribute('aria-selected')).toBe('true');
    // The changed key is flagged on the tab itself.
    expect(screen.getByLabelText(en('count_alert', '1'))).toBeTruthy();
  });

  it('opens the settings page', () => {
    const a = actions();
    render(<PopupView data={{ ...base, identity: { state: 'locked' } }} actions={a} />);
    fireEvent.click(screen.getByRole('button', { name: en('open_settings') }));
    expect(a.openOptions).toHaveBeenCalled();
  });
});
