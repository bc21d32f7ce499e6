import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { IdentityStatus, Settings } from '../../src/messaging/schema';
import { Keys, type KeysActions } from '../../src/ui/options/Keys';
import { Privacy } from '../../src/ui/options/Privacy';
import { Sites, sitePattern, type SitesActions } from '../../src/ui/options/Sites';
import { SITE_RECORDS } from '../../src/adapters/sites/records';
import { BUILT_IN_SITES } from '../../src/background/config-store';
import { FP_ACCOUNT, FP_ALICE, account, en, installI18n, key, site } from './helpers';

beforeEach(() => {
  fakeBrowser.reset();
  installI18n();
});
afterEach(cleanup);

describe('options: Sites', () => {
  const sites = [site(), site({ id: 'u1', name: 'chat.example.org', builtIn: false, origins: ['https://chat.example.org/*'], policy: 'always', fragmentSize: 0 })];
  const actions = (): SitesActions & Record<string, ReturnType<typeof vi.fn>> => ({ add: vi.fn(async () => {}), update: vi.fn(), remove: vi.fn() });

  it('turns a typed address into a host match pattern', () => {
    expect(sitePattern('chat.example.org')).toEqual({ name: 'chat.example.org', pattern: 'https://chat.example.org/*' });
    expect(sitePattern('http://10.0.0.5:9000/lounge')).toEqual({ name: '10.0.0.5', pattern: 'http://10.0.0.5/*' });
    expect(sitePattern('ftp://example.org')).toBeNull();
    expect(sitePattern('   ')).toBeNull();
  });

  it('lists built-in and user-added sites; only user-added ones can be removed', () => {
    const a = actions();
    render(<Sites sites={sites} actions={a} />);
    const rows = screen.getAllByRole('row').slice(1);
    expect(within(rows[0]!).getByText(en('sites_builtin'))).toBeTruthy();
    expect(within(rows[0]!).queryByRole('button')).toBeNull();
    expect(within(rows[1]!).getByText(en('sites_user'))).toBeTruthy();
    expect(within(rows[1]!).getByText('https://chat.example.org/*')).toBeTruthy();
    fireEvent.click(within(rows[1]!).getByRole('button', { name: en('sites_remove', 'chat.example.org') }));
    expect(a.remove).toHaveBeenCalledWith('u1');
  });

  it('lists every site of the one site table, self-hosted ones included, each with its policy and fragment size', () => {
    render(<Sites sites={BUILT_IN_SITES.map((s) => ({ ...s, policy: 'manual' }))} actions={actions()} />);
    expect(screen.getAllByRole('row').slice(1)).toHaveLength(SITE_RECORDS.length);
    for (const r of SITE_RECORDS) {
      expect((screen.getByLabelText(en('sites_policy_for', r.name)) as HTMLSelectElement).value).toBe('manual');
      expect((screen.getByLabelText(en('sites_fragment_for', r.name)) as HTMLInputElement).value).toBe(String(r.fragmentSize));
    }
    expect((screen.getByLabelText(en('sites_fragment_for', 'The Lounge (IRC)')) as HTMLInputElement).value).toBe('400');
  });

  it('changes the policy and fragment size per site', () => {
    const a = actions();
    render(<Sites sites={sites} actions={a} />);
    const policy = screen.getByLabelText(en('sites_policy_for', 'The Lounge')) as HTMLSelectElement;
    expect(policy.value).toBe('opportunistic');
    expect([...policy.options].map((o) => o.textContent)).toEqual([en('policy_manual'), en('policy_opportunistic'), en('policy_always')]);
    fireEvent.change(policy, { target: { value: 'always' } });
    expect(a.update).toHaveBeenCalledWith('thelounge', { policy: 'always' });
    const frag = screen.getByLabelText(en('sites_fragment_for', 'The Lounge')) as HTMLInputElement;
    expect(frag.value).toBe('400');
    fireEvent.change(frag, { target: { value: '300' } });
    expect(a.update).toHaveBeenCalledWith('thelounge', { fragmentSize: 300 });
    fireEvent.change(frag, { target: { value: '-1' } });
    expect(a.update).toHaveBeenCalledTimes(2);
  });

  it('refuses an address that is not a web address', () => {
    const a = actions();
    render(<Sites sites={sites} actions={a} />);
    fireEvent.input(screen.getByLabelText(en('sites_add_label')), { target: { value: 'ftp://files.example.org' } });
    fireEvent.click(screen.getByRole('button', { name: en('sites_add') }));
    expect(screen.getByRole('alert').textContent).toBe(en('sites_bad_address'));
    expect(a.add).not.toHaveBeenCalled();
  });

  it('adds a site and confirms it', async () => {
    const a = actions();
    render(<Sites sites={sites} actions={a} />);
    fireEvent.input(screen.getByLabelText(en('sites_add_label')), { target: { value: 'https://irc.example.net:8443/' } });
    fireEvent.click(screen.getByRole('button', { name: en('sites_add') }));
    expect(a.add).toHaveBeenCalledWith('irc.example.net', 'https://irc.example.net/*');
    await waitFor(() => expect(screen.getByText(en('sites_added', 'irc.example.net'))).toBeTruthy());
  });
});

describe('options: Keys', () => {
  const ready = (passphraseSet = false): IdentityStatus => ({ state: 'ready', fingerprint: FP_ALICE, passphraseSet });
  function actions() {
    return {
      setPassphrase: vi.fn(async () => {}),
      separateKey: vi.fn(async () => {}),
      useIdentity: vi.fn(async () => {}),
      makeIdentity: vi.fn(async () => {}),
      importFiles: vi.fn(async () => ({
        keys: [key({ keyId: 'k-imp', fingerprint: FP_ACCOUNT, isIdentity: false, accounts: [{ site: 'prpl-irc', account: 'alice@irc.example.net' }] })],
        peers: 3,
        instanceTags: 1,
      })),
      exportFiles: vi.fn(async () => ({ privateKeys: '(privkeys (account (name "alice")))', fingerprints: 'bob\talice\tprpl-irc\tb0b0\tverified\n', instanceTags: 'alice\tprpl-irc\t1234abcd\n' })),
    } satisfies KeysActions;
  }

  it('shows the identity key; while it is being made, a progress bar', () => {
    const { rerender } = render(<Keys status={{ state: 'generating', progress: 0.5 }} keys={[]} accounts={[]} actions={actions()} />);
    expect(screen.getByRole('progressbar')).toBeTruthy();
    rerender(<Keys status={ready()} keys={[key()]} accounts={[]} actions={actions()} />);
    expect(screen.getByLabelText(`${en('identity_fp_label')}: ${FP_ALICE}`)).toBeTruthy();
    expect(screen.getByText(en('keys_accounts_empty'))).toBeTruthy();
  });

  it('says the keys are locked', () => {
    render(<Keys status={{ state: 'locked' }} keys={[]} accounts={[]} actions={actions()} />);
    expect(screen.getByText(en('keys_locked'))).toBeTruthy();
  });

  it('offers to replace the identity key only when the background can do it', async () => {
    const a = actions();
    const { rerender } = render(<Keys status={ready()} keys={[key()]} accounts={[]} actions={a} />);
    expect(screen.queryByRole('button', { name: en('keys_replace_identity') })).toBeNull();
    const replaceIdentity = vi.fn(async () => {});
    rerender(<Keys status={ready()} keys={[key()]} accounts={[]} actions={{ ...a, replaceIdentity }} />);
    fireEvent.click(screen.getByRole('button', { name: en('keys_replace_identity') }));
    await waitFor(() => expect(replaceIdentity).toHaveBeenCalled());
  });

  it('turns a passphrase on after checking the two entries', async () => {
    const a = actions();
    render(<Keys status={ready(false)} keys={[key()]} accounts={[]} actions={a} />);
    expect(screen.getByText(en('pass_off'))).toBeTruthy();
    // Issue 17 item 8: the page says plainly that keys without a passphrase are stored unencrypted.
    expect(screen.getByText(en('pass_help')).textContent).toContain('stored unencrypted');
    fireEvent.click(screen.getByRole('button', { name: en('pass_turn_on') }));
    expect(screen.queryByLabelText(en('pass_current'))).toBeNull();
    fireEvent.input(screen.getByLabelText(en('pass_new')), { target: { value: 'long passphrase' } });
    fireEvent.input(screen.getByLabelText(en('pass_confirm')), { target: { value: 'long passphrasE' } });
    fireEvent.click(screen.getByRole('button', { name: en('save') }));
    expect((await screen.findByRole('alert')).textContent).toBe(en('pass_mismatch'));
    fireEvent.input(screen.getByLabelText(en('pass_confirm')), { target: { value: 'long passphrase' } });
    fireEvent.click(screen.getByRole('button', { name: en('save') }));
    await waitFor(() => expect(a.setPassphrase).toHaveBeenCalledWith(null, 'long passphrase'));
    expect(await screen.findByText(en('pass_set'))).toBeTruthy();
  });

  it('changes and removes a passphrase, showing a wrong current one', async () => {
    const a = actions();
    a.setPassphrase.mockRejectedValueOnce(new Error('wrong passphrase'));
    render(<Keys status={ready(true)} keys={[key()]} accounts={[]} actions={a} />);
    expect(screen.getByText(en('pass_on'))).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: en('pass_change') }));
    fireEvent.input(screen.getByLabelText(en('pass_current')), { target: { value: 'old one!' } });
    fireEvent.input(screen.getByLabelText(en('pass_new')), { target: { value: 'new one!!' } });
    fireEvent.input(screen.getByLabelText(en('pass_confirm')), { target: { value: 'new one!!' } });
    fireEvent.click(screen.getByRole('button', { name: en('save') }));
    expect((await screen.findByRole('alert')).textContent).toBe('wrong passphrase');
    fireEvent.click(screen.getByRole('button', { name: en('cancel') }));
    fireEvent.click(screen.getByRole('button', { name: en('pass_turn_off') }));
    fireEvent.input(screen.getByLabelText(en('pass_current')), { target: { value: 'old one!' } });
    fireEvent.click(within(screen.getByLabelText(en('pass_current')).closest('form')!).getByRole('button', { name: en('pass_turn_off') }));
    await waitFor(() => expect(a.setPassphrase).toHaveBeenLastCalledWith('old one!', null));
  });

  it('lists accounts with the key each uses, and switches them', async () => {
    const a = actions();
    const accounts = [account(), account({ site: 'converse', account: 'alice@work', keyId: 'k-work', fingerprint: FP_ACCOUNT, usesIdentity: false })];
    render(<Keys status={ready()} keys={[key()]} accounts={accounts} actions={a} />);
    const rows = screen.getAllByRole('listitem');
    expect(within(rows[0]!).getByText(en('keys_uses_identity'))).toBeTruthy();
    expect(within(rows[1]!).getByText(en('keys_uses_own'))).toBeTruthy();
    expect(within(rows[1]!).getByLabelText(new RegExp(FP_ACCOUNT))).toBeTruthy();
    fireEvent.click(within(rows[0]!).getByRole('button', { name: en('keys_separate') }));
    await waitFor(() => expect(a.separateKey).toHaveBeenCalledWith('thelounge', 'alice'));
    await waitFor(() => expect(within(rows[1]!).getByRole('button', { name: en('keys_make_identity') }).hasAttribute('disabled')).toBe(false));
    fireEvent.click(within(rows[1]!).getByRole('button', { name: en('keys_make_identity') }));
    await waitFor(() => expect(a.makeIdentity).toHaveBeenCalledWith('k-work'));
    await waitFor(() => expect(within(rows[1]!).getByRole('button', { name: en('keys_use_identity') }).hasAttribute('disabled')).toBe(false));
    fireEvent.click(within(rows[1]!).getByRole('button', { name: en('keys_use_identity') }));
    await waitFor(() => expect(a.useIdentity).toHaveBeenCalledWith('converse', 'alice@work'));
  });

  it('imports libotr files chosen with the file inputs and shows the imported fingerprints', async () => {
    const a = actions();
    const { container } = render(<Keys status={ready()} keys={[key()]} accounts={[]} actions={a} />);
    const importButton = screen.getByRole('button', { name: en('libotr_import') });
    expect(importButton.hasAttribute('disabled')).toBe(true);
    const keyFile = new File(['(privkeys (account (name "alice@irc.example.net") (protocol prpl-irc)))'], 'otr.private_key');
    const fpFile = new File(['bob\talice\tprpl-irc\tb0b0\t\n'], 'otr.fingerprints');
    fireEvent.change(container.querySelector('input[data-file="otr.private_key"]')!, { target: { files: [keyFile] } });
    fireEvent.change(container.querySelector('input[data-file="otr.fingerprints"]')!, { target: { files: [fpFile] } });
    fireEvent.click(importButton);
    await waitFor(() =>
      expect(a.importFiles).toHaveBeenCalledWith({
        privateKeys: '(privkeys (account (name "alice@irc.example.net") (protocol prpl-irc)))',
        fingerprints: 'bob\talice\tprpl-irc\tb0b0\t\n',
      }),
    );
    const result = await screen.findByText(en('libotr_imported', ['1', '3', '1']));
    expect(result.closest('[role=status]')!.textContent).toContain(FP_ACCOUNT);
  });

  it('exports the three libotr files as downloads', async () => {
    const a = actions();
    render(<Keys status={ready()} keys={[key()]} accounts={[]} actions={a} />);
    fireEvent.click(screen.getByRole('button', { name: en('libotr_export') }));
    const link = await screen.findByRole('link', { name: en('libotr_download', 'otr.private_key') });
    expect(link.getAttribute('download')).toBe('otr.private_key');
    expect(decodeURIComponent(link.getAttribute('href')!.split(',')[1]!)).toBe('(privkeys (account (name "alice")))');
    expect(screen.getByRole('link', { name: en('libotr_download', 'otr.fingerprints') }).getAttribute('download')).toBe('otr.fingerprints');
    expect(screen.getByRole('link', { name: en('libotr_download', 'otr.instance_tags') }).getAttribute('download')).toBe('otr.instance_tags');
    expect(screen.getByText(en('libotr_export_warning'))).toBeTruthy();
  });

  it('shows an import the background refused', async () => {
    const a = actions();
    a.importFiles.mockRejectedValueOnce(new Error('otr.private_key: not an s-expression'));
    const { container } = render(<Keys status={ready()} keys={[key()]} accounts={[]} actions={a} />);
    fireEvent.change(container.querySelector('input[data-file="otr.instance_tags"]')!, { target: { files: [new File(['junk'], 'x')] } });
    fireEvent.click(screen.getByRole('button', { name: en('libotr_import') }));
    expect((await screen.findByRole('alert')).textContent).toBe('otr.private_key: not an s-expression');
  });
});

describe('options: Privacy', () => {
  it('shows the retention choice and changes it', () => {
    const onChange = vi.fn();
    const settings: Settings = { historyRetention: 'off', idleDays: 7, contactLog: true, storeLinks: { chrome: '', firefox: '' } };
    render(<Privacy settings={settings} onChange={onChange} />);
    const off = screen.getByRole('radio', { name: new RegExp(en('privacy_retention_off')) }) as HTMLInputElement;
    const session = screen.getByRole('radio', { name: new RegExp(en('privacy_retention_session')) }) as HTMLInputElement;
    expect(off.checked).toBe(true);
    expect(session.checked).toBe(false);
    fireEvent.click(session);
    expect(onChange).toHaveBeenCalledWith({ historyRetention: 'session' });
  });

  it('turns the contact log (first and last seen) off', () => {
    const onChange = vi.fn();
    render(<Privacy settings={{ historyRetention: 'off', idleDays: 7, contactLog: true, storeLinks: { chrome: '', firefox: '' } }} onChange={onChange} />);
    const box = screen.getByRole('checkbox', { name: new RegExp(en('privacy_contact_log_label').replace(/[()]/g, '.')) }) as HTMLInputElement;
    expect(box.checked).toBe(true);
    fireEvent.click(box);
    expect(onChange).toHaveBeenCalledWith({ contactLog: false });
  });

  it('sets the idle days after which private conversations end (1–30)', () => {
    const onChange = vi.fn();
    render(<Privacy settings={{ historyRetention: 'off', idleDays: 7, contactLog: true, storeLinks: { chrome: '', firefox: '' } }} onChange={onChange} />);
    const days = screen.getByRole('spinbutton') as HTMLInputElement;
    expect(days.closest('label')!.textContent).toContain(en('privacy_idle_label'));
    expect(days.value).toBe('7');
    fireEvent.change(days, { target: { value: '31' } });
    expect(onChange).not.toHaveBeenCalled();
    fireEvent.change(days, { target: { value: '3' } });
    expect(onChange).toHaveBeenCalledWith({ idleDays: 3 });
  });

  it('says what saved conversations are protected against, with and without a passphrase', () => {
    render(<Privacy settings={null} onChange={vi.fn()} />);
    expect(screen.getByRole('heading', { name: en('privacy_at_rest_title') })).toBeTruthy();
    expect(screen.getByText(en('privacy_at_rest_no_passphrase')).textContent).toMatch(/NOT someone who copies your browser profile/);
    expect(screen.getByText(en('privacy_at_rest_passphrase'))).toBeTruthy();
  });

  it('explains plainly what is protected and what is not', () => {
    render(<Privacy settings={null} onChange={vi.fn()} />);
    expect(screen.getByRole('heading', { name: en('privacy_protects_title') })).toBeTruthy();
    expect(screen.getByRole('heading', { name: en('privacy_limits_title') })).toBeTruthy();
    for (const k of ['privacy_protects_1', 'privacy_protects_2', 'privacy_limits_1', 'privacy_limits_2', 'privacy_limits_3']) {
      expect(screen.getByText(en(k))).toBeTruthy();
    }
    expect(screen.getByText(en('privacy_limits_1')).textContent).toMatch(/who talks to whom/i);
    expect((screen.getAllByRole('radio')[0] as HTMLInputElement).disabled).toBe(true);
  });
});


