/**
 * The containers against the browser APIs they use: requests go through runtime.sendMessage to
 * a small in-memory background, pushes arrive on a port, and the add-site flow asks
 * permissions.request before the background hears of the site.
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import browser from 'webextension-polyfill';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { IdentityStatus, SiteView } from '../../src/messaging/schema';
import { OptionsApp } from '../../src/ui/options/OptionsApp';
import { PopupApp } from '../../src/ui/popup/PopupApp';
import { FP_ALICE, en, fakePort, installI18n, key, site } from './helpers';

type Msg = { kind: string; payload: Record<string, unknown> };
let log: string[];
let identity: IdentityStatus;
let sites: SiteView[];
let ports: ReturnType<typeof fakePort>[];

function background(handlers: Record<string, (p: Record<string, unknown>) => unknown>) {
  fakeBrowser.runtime.onMessage.addListener(((m: Msg) => {
    log.push(m.kind);
    const h = handlers[m.kind];
    if (!h) return Promise.resolve({ ok: false, error: { code: 'invalid', message: `no ${m.kind}` } });
    try {
      return Promise.resolve({ ok: true, value: h(m.payload) });
    } catch (e) {
      return Promise.resolve({ ok: false, error: { code: 'invalid', message: (e as Error).message } });
    }
  }) as never);
}

beforeEach(() => {
  fakeBrowser.reset();
  installI18n();
  log = [];
  ports = [];
  sites = [site()];
  identity = { state: 'generating', progress: 0.1 };
  (fakeBrowser.runtime as { connect: unknown }).connect = ({ name }: { name: string }) => {
    const p = fakePort(name);
    ports.push(p);
    return p;
  };
  background({
    'identity.status': () => identity,
    'identity.unlock': (p) => {
      if (p.passphrase !== 'right passphrase') throw new Error('wrong passphrase');
      identity = { state: 'ready', fingerprint: FP_ALICE, passphraseSet: true };
      return identity;
    },
    'keys.list': () => (identity.state === 'ready' ? [key()] : []),
    'keys.accounts': () => [],
    'peers.list': () => [],
    'conversations.list': () => [],
    'sites.list': () => sites,
    'settings.get': () => ({ historyRetention: 'off' }),
    'security.mark': () => ({ colour: '#2e7d32', symbols: '🦊🍋🚲' }),
    'sites.add': (p) => {
      const s = site({ id: `u${sites.length}`, name: p.name as string, builtIn: false, origins: p.origins as string[], policy: p.policy as SiteView['policy'] });
      sites = [...sites, s];
      return s;
    },
  });
});
afterEach(cleanup);

describe('PopupApp', () => {
  it('shows key generation, then the fingerprint when the background pushes "ready"', async () => {
    render(<PopupApp />);
    expect(await screen.findByRole('progressbar')).toBeTruthy();
    expect(ports.map((p) => p.name)).toEqual(['offrecord:events']);
    identity = { state: 'ready', fingerprint: FP_ALICE, passphraseSet: false };
    ports[0]!.push({ type: 'identity', status: identity });
    expect(await screen.findByLabelText(`${en('identity_fp_label')}: ${FP_ALICE}`)).toBeTruthy();
    expect(log).toContain('keys.list');
  });

  it('unlocks a locked store with the passphrase', async () => {
    identity = { state: 'locked' };
    render(<PopupApp />);
    const input = await screen.findByLabelText(en('passphrase'));
    fireEvent.input(input, { target: { value: 'wrong one' } });
    fireEvent.click(screen.getByRole('button', { name: en('unlock') }));
    expect((await screen.findByRole('alert')).textContent).toBe('wrong passphrase');
    fireEvent.input(screen.getByLabelText(en('passphrase')), { target: { value: 'right passphrase' } });
    fireEvent.click(screen.getByRole('button', { name: en('unlock') }));
    expect(await screen.findByLabelText(`${en('identity_fp_label')}: ${FP_ALICE}`)).toBeTruthy();
  });
});

describe('the background out of reach', () => {
  // Chrome's words when no worker takes the message; the client tries four times, 850 ms in all.
  const refuse = () => vi.spyOn(browser.runtime, 'sendMessage').mockRejectedValue(new Error('Could not establish connection. Receiving end does not exist.'));
  afterEach(() => vi.restoreAllMocks());

  // The popup has one body, which then shows nothing; the options page keeps its sections.
  it.each([
    ['the popup', PopupApp, true],
    ['the options page', OptionsApp, false],
  ])('%s says so in plain words and offers to restart OffRecord', async (_, App, bodyEmpty) => {
    refuse();
    const reload = vi.spyOn(browser.runtime, 'reload').mockImplementation(() => undefined);
    render(<App />);
    const alert = await screen.findByRole('alert', {}, { timeout: 3000 });
    expect(alert.textContent).toContain(en('background_unreachable'));
    expect(alert.textContent).not.toContain('Receiving end');
    if (bodyEmpty) expect(screen.queryByText(en('loading'))).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: en('background_restart') }));
    expect(reload).toHaveBeenCalledOnce();
  });

  it('a refusal from the background is shown as it is, with nothing to restart', async () => {
    vi.spyOn(browser.runtime, 'sendMessage').mockResolvedValue({ ok: false, error: { code: 'corrupt', message: 'the key store cannot be read' } });
    render(<PopupApp />);
    expect((await screen.findByRole('alert')).textContent).toBe('the key store cannot be read');
    expect(screen.queryByRole('button', { name: en('background_restart') })).toBeNull();
  });
});

describe('OptionsApp: adding a site', () => {
  it('asks the browser for the host permission first, then adds the site', async () => {
    const request = vi.fn(async () => {
      log.push('permissions.request');
      return true;
    });
    (fakeBrowser.permissions as { request: unknown }).request = request;
    render(<OptionsApp />);
    await screen.findByText('The Lounge');
    fireEvent.input(screen.getByLabelText(en('sites_add_label')), { target: { value: 'chat.example.org' } });
    fireEvent.click(screen.getByRole('button', { name: en('sites_add') }));
    // Called synchronously inside the click, so the browser still sees a user gesture.
    expect(request).toHaveBeenCalledWith({ origins: ['https://chat.example.org/*'] });
    expect(await screen.findByText(en('sites_added', 'chat.example.org'))).toBeTruthy();
    expect(screen.getByText('https://chat.example.org/*')).toBeTruthy();
    expect(log.indexOf('permissions.request')).toBeLessThan(log.indexOf('sites.add'));
  });

  it('does not add the site when the browser refuses', async () => {
    (fakeBrowser.permissions as { request: unknown }).request = vi.fn(async () => false);
    render(<OptionsApp />);
    await screen.findByText('The Lounge');
    fireEvent.input(screen.getByLabelText(en('sites_add_label')), { target: { value: 'chat.example.org' } });
    fireEvent.click(screen.getByRole('button', { name: en('sites_add') }));
    expect((await screen.findByRole('alert')).textContent).toBe(en('sites_permission_denied', 'chat.example.org'));
    expect(log).not.toContain('sites.add');
  });
});
