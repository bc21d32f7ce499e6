/**
 * The page of bench/history-page.ts: a copy of The Lounge's query view (the thelounge adapter
 * takes it), with the bench's stamps inline, so that nothing has to be injected into the page
 * or its frames while a run is timed.
 */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const pad = (n: number) => String(n).padStart(2, '0');
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One message row as The Lounge renders it (its full time stamp tells history from live). */
export function row(i: number, nick: string, text: string, at: Date): string {
  const label = `${at.getDate()} ${MONTHS[at.getMonth()]} ${at.getFullYear()}, ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
  return (
    `<div id="msg-${i}" class="msg${nick === 'alice' ? ' self' : ''}" data-type="message" data-from="${nick}">` +
    `<span aria-label="${label}" class="time">${pad(at.getHours())}:${pad(at.getMinutes())} </span>` +
    `<span class="from"><span class="user" data-name="${nick}">${nick}</span></span><span class="content" dir="auto">${esc(text)}</span></div>`
  );
}

/** What the page does: the form's text is kept for the bench (the relay), added rows are live. */
function pageScript(): void {
  const w = window as unknown as { __sent: string[]; __add(nick: string, text: string): void };
  w.__sent = [];
  const input = document.querySelector<HTMLTextAreaElement>('textarea#input')!;
  document.querySelector('form#form')!.addEventListener('submit', (e) => {
    e.preventDefault();
    if (input.value) w.__sent.push(input.value);
    input.value = '';
  });
  const list = document.querySelector('#chat .messages')!;
  let next = list.children.length + 1;
  // Stuck to the newest message, as chat pages are (also while readers resize the rows).
  const stick = () => window.scrollTo(0, document.documentElement.scrollHeight);
  new ResizeObserver(stick).observe(list);
  stick();
  w.__add = (nick, text) => {
    const d = new Date();
    const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
    const p2 = (n: number) => String(n).padStart(2, '0');
    const div = document.createElement('div');
    Object.assign(div, { id: `msg-${next++}`, className: 'msg' });
    div.dataset.type = 'message';
    div.dataset.from = nick;
    const time = document.createElement('span');
    time.className = 'time';
    time.setAttribute('aria-label', `${d.getDate()} ${months[d.getMonth()]} ${d.getFullYear()}, ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`);
    const from = document.createElement('span');
    from.className = 'from';
    from.textContent = nick;
    const content = document.createElement('span');
    content.className = 'content';
    content.textContent = text;
    div.append(time, from, content);
    list.append(div);
  };
}

/** What the page stamps, read by the bench once the run is over. */
export interface PageStamps {
  /** The lock's element entering the page (Date.now()). */
  lockAt?: number;
  /** The lock taking its state: the background answered the registration. */
  registeredAt?: number;
  /** The newest message's reader frame placed: its history batch was answered (all fed and written). */
  newestFramedAt?: number;
  /** Reader frames placed in message rows. */
  framesPlaced: number;
  viewport: string;
}

/**
 * Runs first in the page: stamps the lock and the reader frames placed, and once the newest
 * message has its frame and no frame was placed for `quietMs`, tells the bench (POST /report),
 * then waits for its word (GET /next: 'reload' loads the page again). The frames themselves
 * are not touched: each one's paint of its plaintext is read from it afterwards.
 */
function stampScript(quietMs: number): void {
  const stamps: PageStamps = { framesPlaced: 0, viewport: '' };
  (window as unknown as { __stamps: PageStamps }).__stamps = stamps;
  let lastFrameAt = Date.now();
  new MutationObserver((records, mo) => {
    for (const r of records)
      for (const n of Array.from(r.addedNodes))
        if (n instanceof Element && n.hasAttribute('data-offrecord-host')) {
          stamps.lockAt = Date.now();
          mo.disconnect();
          // The lock takes its state once the background answered the registration.
          if (n.shadowRoot)
            new MutationObserver((_r, done) => {
              stamps.registeredAt = Date.now();
              done.disconnect();
            }).observe(n.shadowRoot, { subtree: true, attributeFilter: ['data-offrecord-state'] });
          return;
        }
  }).observe(document, { childList: true, subtree: true });
  new MutationObserver((records) => {
    const newest = document.querySelector('#chat .messages')?.lastElementChild;
    for (const r of records)
      for (const n of Array.from(r.addedNodes)) {
        if (!(n instanceof HTMLIFrameElement) || n.dataset.offrecord !== 'reader' || !n.closest('div.msg')) continue;
        stamps.framesPlaced++;
        lastFrameAt = Date.now();
        if (newest?.contains(n)) stamps.newestFramedAt ??= lastFrameAt;
      }
  }).observe(document, { childList: true, subtree: true });
  const timer = setInterval(() => {
    if (stamps.newestFramedAt === undefined || Date.now() - lastFrameAt < quietMs) return;
    clearInterval(timer);
    stamps.viewport = `${innerWidth}×${innerHeight}`;
    void fetch('/report', { method: 'POST', body: JSON.stringify(stamps) })
      .then(() => fetch('/next'))
      .then((r) => r.text())
      .then((next) => {
        if (next === 'reload') location.reload();
      });
  }, 100);
}

export function page(rows: string[], quietMs: number): string {
  const css = `html,body{margin:0;font:13px sans-serif}.msg{display:flex;gap:6px;padding:1px 8px}.time{color:#888}
.content{flex:1;word-break:break-all;position:relative}#form{display:flex;padding:6px;position:fixed;bottom:0;left:0;right:0;background:#fff}#input{flex:1}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bob — The Lounge</title><meta name="application-name" content="The Lounge"><style>${css}</style>
<script>(${stampScript.toString()})(${quietMs});</script></head>
<body><div id="viewport"><div id="chat-container" class="window" data-current-channel="bob"><div id="chat">
<div id="chan-3" class="chat-view" data-type="query" aria-label="bob"><div class="chat"><div class="messages" role="log">${rows.join('')}</div></div></div></div>
<form id="form" method="post" action=""><span id="nick">alice</span><textarea id="input"></textarea><button id="submit" type="submit" aria-label="Send message">Send</button></form></div></div>
<script>(${pageScript.toString()})();</script></body></html>`;
}
