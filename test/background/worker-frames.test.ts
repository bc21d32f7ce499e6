import { MessageChannel as NodeMessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { classifySender } from '../../src/background/router';
import { workerFramePort, type ExtensionContextInfo, type FindContexts } from '../../src/background/worker-frames';
import { FRAME_PORT, WORKER_FRAME_CHANNEL, WORKER_FRAME_CLOSE } from '../../src/messaging/ports';
import { ENV, ORIGIN, RUNTIME_ID } from './harness';

// Node's MessagePorts, which close and deliver as the browser's do (happy-dom has none).
type Port = MessagePort;
const NONCE = 'ab'.repeat(16);
const ADDRESS = `${ORIGIN}/reader.html?frame=${NONCE}`;
const READER: ExtensionContextInfo = { contextType: 'TAB', documentUrl: ADDRESS, documentOrigin: ORIGIN, tabId: 7, frameId: 3 };

function channel(): { frame: Port; worker: Port; closed: Promise<void> } {
  const c = new NodeMessageChannel();
  const closed = new Promise<void>((resolve) => c.port1.once('close', () => resolve()));
  return { frame: c.port1 as unknown as Port, worker: c.port2 as unknown as Port, closed };
}

const contexts = (...found: ExtensionContextInfo[]): FindContexts & { asked: string[][] } => {
  const asked: string[][] = [];
  const find: FindContexts = async (filter) => {
    asked.push(filter.documentUrls);
    return found.filter((c) => filter.documentUrls.includes(c.documentUrl ?? ''));
  };
  return Object.assign(find, { asked });
};

const tick = () => new Promise((r) => setTimeout(r, 20));

describe('reader frames\' channels to the worker', () => {
  it('names the frame from the browser\'s contexts, and the router takes it as that tab\'s frame', async () => {
    const { worker } = channel();
    const find = contexts(READER, { ...READER, documentUrl: `${ORIGIN}/reader.html?frame=${'cd'.repeat(16)}`, frameId: 4 });
    const port = await workerFramePort({ offrecord: WORKER_FRAME_CHANNEL, nonce: NONCE }, [worker], RUNTIME_ID, [ORIGIN], find);
    expect(find.asked).toEqual([[ADDRESS]]);
    expect(port?.name).toBe(FRAME_PORT);
    expect(port?.sender).toEqual({ id: RUNTIME_ID, url: ADDRESS, origin: ORIGIN, tab: { id: 7 }, frameId: 3 });
    expect(classifySender(port!.sender, ENV)).toEqual({ context: 'reader-frame', tabId: 7, frameId: 3 });
    port!.disconnect();
  });

  it('ignores other messages and closes channels no single document of ours answers to', async () => {
    const other = channel();
    expect(await workerFramePort({ offrecord: 'something else' }, [other.worker], RUNTIME_ID, [ORIGIN], contexts(READER))).toBeNull();
    const cases: Array<[unknown, ExtensionContextInfo[]]> = [
      [{ offrecord: WORKER_FRAME_CHANNEL, nonce: 'not a nonce' }, [READER]],
      [{ offrecord: WORKER_FRAME_CHANNEL }, [READER]],
      [{ offrecord: WORKER_FRAME_CHANNEL, nonce: NONCE }, []],
      [{ offrecord: WORKER_FRAME_CHANNEL, nonce: NONCE }, [READER, { ...READER, frameId: 9 }]],
    ];
    for (const [data, found] of cases) {
      const c = channel();
      expect(await workerFramePort(data, [c.worker], RUNTIME_ID, [ORIGIN], contexts(...found))).toBeNull();
      await c.closed; // the frame's end learns it at once
    }
    const failing = channel();
    const broken = (async () => Promise.reject(new Error('no contexts'))) as unknown as FindContexts;
    expect(await workerFramePort({ offrecord: WORKER_FRAME_CHANNEL, nonce: NONCE }, [failing.worker], RUNTIME_ID, [ORIGIN], broken)).toBeNull();
    await failing.closed;
    other.worker.close();
  });

  it('holds what the frame posted until the first listener, then delivers it in order; the frame\'s close is a disconnect', async () => {
    const c = channel();
    const port = (await workerFramePort({ offrecord: WORKER_FRAME_CHANNEL, nonce: NONCE }, [c.worker], RUNTIME_ID, [ORIGIN], contexts(READER)))!;
    c.frame.postMessage({ type: 'hello', nonce: NONCE });
    c.frame.postMessage({ type: 'send', text: 'one' });
    await tick();
    const got: unknown[] = [];
    let disconnects = 0;
    port.onDisconnect.addListener(() => disconnects++);
    port.onMessage.addListener((m) => got.push(m));
    await tick();
    expect(got).toEqual([{ type: 'hello', nonce: NONCE }, { type: 'send', text: 'one' }]);
    const answers: unknown[] = [];
    c.frame.addEventListener('message', (e) => answers.push((e as MessageEvent).data));
    c.frame.start();
    port.postMessage({ type: 'plaintext', text: 'hi' });
    await tick();
    expect(answers).toEqual([{ type: 'plaintext', text: 'hi' }]);
    c.frame.postMessage(WORKER_FRAME_CLOSE);
    await c.closed;
    expect(disconnects).toBe(1);
    port.postMessage({ type: 'plaintext', text: 'after' }); // a no-op, not a throw
    expect(got).toHaveLength(2);
  });

  it('a first message that is not the hello of the address\'s nonce ends the channel', async () => {
    for (const first of [{ type: 'send', text: 'x' }, { type: 'hello', nonce: 'cd'.repeat(16) }]) {
      const c = channel();
      const port = (await workerFramePort({ offrecord: WORKER_FRAME_CHANNEL, nonce: NONCE }, [c.worker], RUNTIME_ID, [ORIGIN], contexts(READER)))!;
      const got: unknown[] = [];
      let disconnected = false;
      port.onDisconnect.addListener(() => (disconnected = true));
      port.onMessage.addListener((m) => got.push(m));
      c.frame.postMessage(first);
      c.frame.postMessage({ type: 'hello', nonce: NONCE });
      await c.closed;
      expect(disconnected).toBe(true);
      expect(got).toEqual([]);
    }
  });

  it('the worker\'s own disconnect closes the channel without calling its own listeners', async () => {
    const c = channel();
    const port = (await workerFramePort({ offrecord: WORKER_FRAME_CHANNEL, nonce: NONCE }, [c.worker], RUNTIME_ID, [ORIGIN], contexts(READER)))!;
    let disconnects = 0;
    port.onDisconnect.addListener(() => disconnects++);
    port.onMessage.addListener(() => undefined);
    port.disconnect();
    await c.closed;
    expect(disconnects).toBe(0);
  });
});
