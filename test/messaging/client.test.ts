/**
 * request() over runtime.sendMessage while Chrome brings a stopped worker back: the "no
 * receiver" refusal is sent again after a pause; every other failure reaches the caller at once.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import browser from 'webextension-polyfill';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { request } from '../../src/messaging/client';

const NO_RECEIVER = 'Could not establish connection. Receiving end does not exist.';
const ready = { ok: true, value: { state: 'ready', fingerprint: 'AAAAAAAA BBBBBBBB CCCCCCCC DDDDDDDD EEEEEEEE' } };

describe('request over runtime.sendMessage', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('sends again while the worker is restarting, and returns its answer', async () => {
    const send = vi.spyOn(browser.runtime, 'sendMessage');
    send.mockRejectedValueOnce(new Error(NO_RECEIVER)).mockRejectedValueOnce(new Error(NO_RECEIVER)).mockResolvedValueOnce(ready);
    const answer = request('identity.status', {});
    await vi.runAllTimersAsync();
    await expect(answer).resolves.toEqual(ready.value);
    expect(send).toHaveBeenCalledTimes(3);
    for (const call of send.mock.calls) expect(call[0]).toEqual({ kind: 'identity.status', payload: {} });
  });

  it('gives up after three pauses with a typed error that keeps the browser’s words', async () => {
    const send = vi.spyOn(browser.runtime, 'sendMessage').mockRejectedValue(new Error(NO_RECEIVER));
    const answer = request('identity.status', {});
    const settled = expect(answer).rejects.toMatchObject({ name: 'RequestError', code: 'no-receiver', message: NO_RECEIVER });
    await vi.runAllTimersAsync();
    await settled;
    expect(send).toHaveBeenCalledTimes(4);
  });

  it('does not send again after any other failure', async () => {
    const send = vi.spyOn(browser.runtime, 'sendMessage').mockRejectedValue(new Error('Extension context invalidated.'));
    await expect(request('identity.status', {})).rejects.toThrow('Extension context invalidated.');
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('reports a typed error for the background’s refusal, without sending again', async () => {
    const send = vi.spyOn(browser.runtime, 'sendMessage').mockResolvedValue({ ok: false, error: { code: 'locked', message: 'OffRecord is locked' } });
    await expect(request('identity.status', {})).rejects.toMatchObject({ name: 'RequestError', code: 'locked' });
    expect(send).toHaveBeenCalledTimes(1);
  });
});
